/**
 * The dynamic authenticator of the interop suites: an autobahn-js session registers
 * `com.example.authenticate` (Crossbar contract, docs/crossbar-compat.md: authenticate(realm, authid, details)
 * → {role, extra} for ticket, {role, secret, extra} for WAMP-CRA; wrong credentials raise an error
 * whose URI the router sends as the ABORT reason).
 */
import { AUTHENTICATOR, DYNAMIC } from './fixture.ts';
import { autobahn, type AbSession } from './autobahn-js-client.ts';

export interface AuthenticatorCall {
  readonly realm: unknown;
  readonly authid: unknown;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Register the authenticator on `session`; the returned array records every call it served. */
export async function registerAuthenticator(session: AbSession): Promise<AuthenticatorCall[]> {
  const calls: AuthenticatorCall[] = [];
  await session.register(AUTHENTICATOR, (args) => {
    const [realm, authid, rawDetails] = args;
    const details = (typeof rawDetails === 'object' && rawDetails !== null ? rawDetails : {}) as Record<string, unknown>;
    calls.push({ realm, authid, details });
    if (details['authmethod'] === 'ticket' && authid === DYNAMIC.ticket.authid && details['ticket'] === DYNAMIC.ticket.ticket) {
      return { role: 'user', extra: DYNAMIC.extra };
    }
    if (details['authmethod'] === 'wampcra' && authid === DYNAMIC.wampcra.authid) {
      return { role: 'user', secret: DYNAMIC.wampcra.secret, extra: DYNAMIC.extra };
    }
    // autobahn-js turns only its own (non-Error) error class into ERROR with that URI.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw new autobahn.Error(DYNAMIC.deniedUri, ['unknown principal or wrong credentials']);
  });
  return calls;
}
