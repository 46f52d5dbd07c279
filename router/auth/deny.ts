/**
 * The ABORT reasons authenticators answer with, chosen from the spec's list
 * (spec: advanced/uris.md "Authentication"; CRA and ticket only say "the server will respond with
 * an ABORT message", advanced/authentication_cra.md, advanced/authentication_ticket.md):
 * - wrong secret/ticket AND unknown authid → wamp.error.authentication_denied ("wrong password").
 *   We deliberately do not answer wamp.error.no_such_principal for an unknown authid: that would
 *   tell an attacker which authids exist. Both cases get the same reason and message.
 * - HELLO without the authid a method requires → wamp.error.authentication_required.
 * - the authentication machinery itself failed (dynamic authenticator missing, crashed, returned
 *   garbage) → wamp.error.authentication_failed ("technical runtime failure", fail secure).
 * Messages go to the client: they never contain secrets, tickets or signatures.
 */
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { AuthDeny } from './authenticator.ts';

export function deny(reason: string, message: string): AuthDeny {
  return { kind: 'deny', reason, message };
}

/** Wrong credentials or unknown authid: one answer for both. */
export function denyCredentials(method: string): AuthDeny {
  return deny(WampErrorUri.authenticationDenied, `${method} authentication denied: unknown authid or wrong credentials`);
}

export function denyMissingAuthid(method: string): AuthDeny {
  // spec: advanced/authentication_cra.md, advanced/authentication_ticket.md: HELLO.Details.authid MUST be provided
  return deny(WampErrorUri.authenticationRequired, `${method} authentication requires HELLO.Details.authid`);
}

export function denyFailure(message: string): AuthDeny {
  return deny(WampErrorUri.authenticationFailed, message);
}
