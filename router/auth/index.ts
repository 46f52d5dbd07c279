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
import type { LoginThrottle } from './login-throttle.ts';
import { ThrottledAuthenticator } from './throttled.ts';
import { StaticTicketAuthenticator, ticketPrincipalsFromConfig } from './ticket.ts';
import { StaticWampCraAuthenticator, craUsersFromConfig } from './wampcra.ts';

/** Crossbar: a transport without an `auth` block admits anonymous sessions only, as role 'anonymous'. */
export const DEFAULT_ANONYMOUS_ROLE = 'anonymous';

export interface AuthenticatorDeps {
  readonly call: InternalCall;
  readonly logger: Logger;
  /** The router's failed-login throttle; every method that can deny goes behind it (throttled.ts). */
  readonly throttle?: LoginThrottle | undefined;
}

export function buildAuthenticators(auth: TransportAuthConfig | undefined, deps: AuthenticatorDeps): ReadonlyMap<AuthMethod, Authenticator> {
  const map = buildUnthrottled(auth, deps);
  const throttle = deps.throttle;
  if (throttle === undefined) return map;
  for (const [method, authenticator] of map) {
    // Static anonymous never denies: nothing to count, and no reason to refuse it.
    if (!(authenticator instanceof AnonymousAuthenticator)) map.set(method, new ThrottledAuthenticator(authenticator, throttle));
  }
  return map;
}

function buildUnthrottled(auth: TransportAuthConfig | undefined, deps: AuthenticatorDeps): Map<AuthMethod, Authenticator> {
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
