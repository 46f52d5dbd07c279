/**
 * The SessionHandle the realm, broker and dealer see for a joined client session: its identity,
 * the roles/features its HELLO announced, and `send` to its peer.
 */
import type { Dict, WampMessage } from '../../shared/wamp/messages.ts';
import type { Principal } from '../auth/authenticator.ts';
import type { TransportDetails } from '../transports/peer.ts';
import type { ClientRole, SessionHandle } from '../types.ts';

const CLIENT_ROLES: readonly ClientRole[] = ['caller', 'callee', 'publisher', 'subscriber'];

/** Feature names with more than one spelling in the spec (docs/crossbar-compat.md). */
const ALIASES: Readonly<Record<string, string>> = { call_cancelling: 'call_canceling' };
const NO_FEATURES: ReadonlySet<string> = new Set();

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** role → set of features announced `true` in HELLO.Details.roles (spec: basic/sessions.md). */
function parseRoles(details: Dict): ReadonlyMap<ClientRole, ReadonlySet<string>> {
  const roles = new Map<ClientRole, ReadonlySet<string>>();
  const announced = details['roles'];
  if (!isDict(announced)) return roles;
  for (const role of CLIENT_ROLES) {
    const entry = announced[role];
    if (!isDict(entry)) continue;
    let features: Set<string> | undefined;
    const dict = entry['features'];
    if (isDict(dict)) {
      for (const [name, value] of Object.entries(dict)) {
        if (value === true) (features ??= new Set()).add(ALIASES[name] ?? name);
      }
    }
    roles.set(role, features ?? NO_FEATURES); // a role announced without features shares one empty set
  }
  return roles;
}

/**
 * One per joined session, for as long as it lives: methods on the prototype instead of two
 * closures per session (docs/router-memory.md).
 */
class ClientSessionHandle implements SessionHandle {
  readonly id: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: Principal['authmethod'];
  readonly authprovider: Principal['authprovider'];
  readonly transport: TransportDetails;
  readonly send: (message: WampMessage) => void;
  readonly #roles: ReadonlyMap<ClientRole, ReadonlySet<string>>;

  constructor(id: number, realm: string, principal: Principal, hello: Dict, transport: TransportDetails, send: (message: WampMessage) => void) {
    this.id = id;
    this.realm = realm;
    this.authid = principal.authid;
    this.authrole = principal.authrole;
    this.authmethod = principal.authmethod;
    this.authprovider = principal.authprovider;
    this.transport = transport;
    this.send = send;
    this.#roles = parseRoles(hello);
  }

  hasRole(role: ClientRole): boolean {
    return this.#roles.has(role);
  }

  hasFeature(role: ClientRole, feature: string): boolean {
    return this.#roles.get(role)?.has(ALIASES[feature] ?? feature) ?? false;
  }
}

/** @param send delivers to the client (the session drops messages once it is closing) */
export function createSessionHandle(
  id: number, realm: string, principal: Principal, hello: Dict, transport: TransportDetails, send: (message: WampMessage) => void,
): SessionHandle {
  return Object.freeze(new ClientSessionHandle(id, realm, principal, hello, transport, send));
}
