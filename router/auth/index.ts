/**
 * Build a transport's authenticators from its `auth` block (Crossbar shape, shared/config/types.ts).
 * The handshake picks the first method of HELLO.Details.authmethods that the map has.
 */
import type { TransportAuthConfig } from '../../shared/config/types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { InternalCall } from '../types.ts';
import { AnonymousAuthenticator } from './anonymous.ts';
import type { AuthMethod, Authenticator } from './authenticator.ts';
import { DynamicAuthenticator } from './dynamic.ts';
import { StaticTicketAuthenticator, ticketPrincipalsFromConfig } from './ticket.ts';
import { StaticWampCraAuthenticator, craUsersFromConfig } from './wampcra.ts';

/** Crossbar: a transport without an `auth` block admits anonymous sessions only, as role 'anonymous'. */
export const DEFAULT_ANONYMOUS_ROLE = 'anonymous';

export function buildAuthenticators(
  auth: TransportAuthConfig | undefined,
  deps: { readonly call: InternalCall; readonly logger: Logger },
): ReadonlyMap<AuthMethod, Authenticator> {
  const map = new Map<AuthMethod, Authenticator>();
  if (auth === undefined) {
    map.set('anonymous', new AnonymousAuthenticator(DEFAULT_ANONYMOUS_ROLE));
    return map;
  }
  const dynamicDeps = { call: deps.call, logger: deps.logger.child({ component: 'auth' }) };
  if (auth.anonymous) {
    const c = auth.anonymous;
    map.set('anonymous', 'authenticator' in c ? new DynamicAuthenticator('anonymous', c, dynamicDeps) : new AnonymousAuthenticator(c.role));
  }
  if (auth.ticket) {
    const c = auth.ticket;
    map.set('ticket', 'authenticator' in c ? new DynamicAuthenticator('ticket', c, dynamicDeps) : new StaticTicketAuthenticator(ticketPrincipalsFromConfig(c.principals)));
  }
  if (auth.wampcra) {
    const c = auth.wampcra;
    map.set('wampcra', 'authenticator' in c ? new DynamicAuthenticator('wampcra', c, dynamicDeps) : new StaticWampCraAuthenticator(craUsersFromConfig(c.users)));
  }
  return map;
}
