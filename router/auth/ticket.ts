/**
 * Static ticket authentication: principals from the transport's config (`auth.ticket.principals`).
 * spec: advanced/authentication_ticket.md: CHALLENGE [4, "ticket", {}], AUTHENTICATE carries the ticket.
 * A session on an in-process pair may leave out the authid: the legacy bridges only have a token, and
 * the principal is the one whose ticket it is (docs/legacy-protocols.md, "Tokens").
 */
import type { TicketPrincipal } from '../../shared/config/types.ts';
import type { AuthRequest, AuthStep, Authenticator } from './authenticator.ts';
import { constantTimeEqual, randomToken } from './crypto.ts';
import { denyCredentials, denyMissingAuthid } from './deny.ts';

/** Where ticket principals come from (the static config is one such store). */
export interface TicketStore {
  get(authid: string): TicketPrincipal | undefined;
  entries(): Iterable<readonly [string, TicketPrincipal]>;
}

/**
 * The one principal whose ticket is `ticket`. Every ticket is compared (no early exit), so the time
 * taken does not tell how far the search got; a ticket two principals share matches neither.
 */
export function principalByTicket(store: TicketStore, ticket: string): { authid: string; principal: TicketPrincipal } | undefined {
  let found: { authid: string; principal: TicketPrincipal } | undefined;
  let matches = 0;
  for (const [authid, principal] of store.entries()) {
    if (constantTimeEqual(ticket, principal.ticket)) {
      matches += 1;
      found = { authid, principal };
    }
  }
  return matches === 1 ? found : undefined;
}

export class StaticTicketAuthenticator implements Authenticator {
  readonly method = 'ticket';
  readonly #principals: TicketStore;
  constructor(principals: TicketStore) {
    this.#principals = principals;
  }
  start(request: AuthRequest): Promise<AuthStep> {
    const authid = request.authid;
    if (authid === undefined) {
      if (request.transport.kind !== 'local') return Promise.resolve(denyMissingAuthid('ticket'));
      return Promise.resolve(this.#byTicket());
    }
    const known = this.#principals.get(authid);
    // An unknown authid is challenged too and compared against a random ticket, so that it
    // cannot be told apart from a wrong ticket (deny.ts).
    const expected = known?.ticket ?? randomToken(32);
    return Promise.resolve({
      kind: 'challenge',
      extra: {},
      verify(ticket: string) {
        const ok = constantTimeEqual(ticket, expected);
        return Promise.resolve(
          ok && known
            ? { kind: 'accept', principal: { authid, authrole: known.role, authmethod: 'ticket', authprovider: 'static' } }
            : denyCredentials('ticket'),
        );
      },
    });
  }

  #byTicket(): AuthStep {
    const principals = this.#principals;
    return {
      kind: 'challenge',
      extra: {},
      verify(ticket: string) {
        const found = principalByTicket(principals, ticket);
        return Promise.resolve(found
          ? { kind: 'accept', principal: { authid: found.authid, authrole: found.principal.role, authmethod: 'ticket', authprovider: 'static' } }
          : denyCredentials('ticket'));
      },
    };
  }
}

/** Build the store from config; a Map, so authids like "constructor" never hit Object.prototype. */
export function ticketPrincipalsFromConfig(principals: Readonly<Record<string, TicketPrincipal>>): ReadonlyMap<string, TicketPrincipal> {
  return new Map(Object.entries(principals));
}
