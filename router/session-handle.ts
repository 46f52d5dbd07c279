/**
 * The SessionHandle the realm, broker and dealer see for a joined client session: its identity,
 * the roles/features its HELLO announced, and `send` to its peer.
 */
import type { Dict, WampMessage } from '../shared/wamp/messages.ts';
import type { Principal } from './auth/authenticator.ts';
import type { TransportDetails } from './transports/peer.ts';
import type { ClientRole, SessionHandle } from './types.ts';

const CLIENT_ROLES: readonly ClientRole[] = ['caller', 'callee', 'publisher', 'subscriber'];

/** Feature names with more than one spelling in the spec (docs/crossbar-compat.md). */
const ALIASES: Readonly<Record<string, string>> = { call_cancelling: 'call_canceling' };

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** role → set of features announced `true` in HELLO.Details.roles (spec: basic/session_lifecycle.md). */
function parseRoles(details: Dict): ReadonlyMap<ClientRole, ReadonlySet<string>> {
  const roles = new Map<ClientRole, ReadonlySet<string>>();
  const announced = details['roles'];
  if (!isDict(announced)) return roles;
  for (const role of CLIENT_ROLES) {
    const entry = announced[role];
    if (!isDict(entry)) continue;
    const features = new Set<string>();
    const dict = entry['features'];
    if (isDict(dict)) {
      for (const [name, value] of Object.entries(dict)) {
        if (value === true) features.add(ALIASES[name] ?? name);
      }
    }
    roles.set(role, features);
  }
  return roles;
}

/** @param send delivers to the client (the session drops messages once it is closing) */
export function createSessionHandle(
  id: number, realm: string, principal: Principal, hello: Dict, transport: TransportDetails, send: (message: WampMessage) => void,
): SessionHandle {
  const roles = parseRoles(hello);
  return Object.freeze({
    id,
    realm,
    authid: principal.authid,
    authrole: principal.authrole,
    authmethod: principal.authmethod,
    authprovider: principal.authprovider,
    transport,
    hasRole: (role: ClientRole): boolean => roles.has(role),
    hasFeature: (role: ClientRole, feature: string): boolean => roles.get(role)?.has(ALIASES[feature] ?? feature) ?? false,
    send,
  });
}
