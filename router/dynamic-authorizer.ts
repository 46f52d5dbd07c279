/**
 * Authorization by an application procedure, Crossbar's contract (wamp-notes §4.3):
 * `authorize(session, uri, action, options)` → bool | {allow, disclose?, cache?}.
 * A failed call (the authorizer raised, is not registered, returned garbage) rejects, and the
 * realm answers wamp.error.authorization_failed (spec: basic/uri_reference.md "Authorization").
 */
import type { Dict } from '../shared/wamp/messages.ts';
import type { Action, Authorization, Authorizer } from './authorizer.ts';
import type { CallResult, InternalCall, SessionInfo } from './types.ts';

/** The authorizer returned something that is neither a bool nor {allow: bool, disclose?: bool}. */
export class InvalidAuthorizationResultError extends Error {
  constructor(procedure: string) {
    super(`dynamic authorizer "${procedure}" returned an invalid result (expected a bool or {allow: bool, disclose?: bool})`);
    this.name = 'InvalidAuthorizationResultError';
  }
}

export function parseAuthorization(result: CallResult, procedure: string): Authorization {
  const value = result.args.length > 0 ? result.args[0] : result.kwargs;
  if (typeof value === 'boolean') return { allow: value, disclose: false };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { allow, disclose } = value as Dict;
    if (typeof allow === 'boolean' && (disclose === undefined || disclose === null || typeof disclose === 'boolean')) {
      return { allow, disclose: disclose === true };
    }
  }
  throw new InvalidAuthorizationResultError(procedure);
}

export class DynamicAuthorizer implements Authorizer {
  readonly #procedure: string;
  readonly #call: InternalCall;
  constructor(procedure: string, call: InternalCall) {
    this.#procedure = procedure;
    this.#call = call;
  }

  async authorize(session: SessionInfo, action: Action, uri: string, options: Dict): Promise<Authorization> {
    const who = {
      realm: session.realm, authid: session.authid, authrole: session.authrole,
      authmethod: session.authmethod, authprovider: session.authprovider, session: session.id,
    };
    const result = await this.#call(session.realm, this.#procedure, [who, uri, action, options]);
    return parseAuthorization(result, this.#procedure);
  }
}
