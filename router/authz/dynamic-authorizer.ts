/**
 * Authorization by an application procedure, Crossbar's contract (docs/crossbar-compat.md):
 * `authorize(session, uri, action, options)` → bool | {allow, disclose?, cache?}.
 * A failed call (the authorizer raised, is not registered, returned garbage) rejects, and the
 * realm answers wamp.error.authorization_failed (spec: basic/uri_reference.md "Authorization").
 * An authorizer that is not registered says so plainly (AuthorizerNotRegisteredError): with asexor it
 * means that no worker is connected, since the worker registers `asexor.auth.authorize`.
 *
 * Caching (Crossbar's `cache: true`): the decision is kept for the session, keyed by action, URI and
 * match policy, and answered synchronously from then on, without another call. Crossbar keys by
 * session, URI and action; the match policy is added because a prefix subscription to a URI is not
 * the same request as an exact one. The cache of a session lives in a WeakMap keyed by the session's
 * handle (one object per session), so it goes away with the session; each holds at most
 * `maxCachedPerSession` decisions (oldest dropped first).
 */
import type { Dict } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { Action, Authorization, Authorizer } from './authorizer.ts';
import type { CallResult, InternalCall, SessionInfo } from '../types.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';

/** @default for DynamicAuthorizerOptions.maxCachedPerSession */
export const DEFAULT_MAX_CACHED_PER_SESSION = 1000;

export interface DynamicAuthorizerOptions {
  /** Cached decisions per session. @default 1000 */
  readonly maxCachedPerSession?: number;
}

/** The authorizer returned something that is neither a bool nor {allow: bool, disclose?: bool}. */
export class InvalidAuthorizationResultError extends Error {
  constructor(procedure: string) {
    super(`dynamic authorizer "${procedure}" returned an invalid result (expected a bool or {allow: bool, disclose?: bool, cache?: bool})`);
    this.name = 'InvalidAuthorizationResultError';
  }
}

/** The authorizer procedure has no callee: the application serving it (asexor: the worker) is not connected. */
export class AuthorizerNotRegisteredError extends Error {
  constructor(procedure: string, realm: string) {
    super(`no asexor worker is connected to realm "${realm}" (the dynamic authorizer "${procedure}" is not registered; whatever serves it is not connected)`);
    this.name = 'AuthorizerNotRegisteredError';
  }
}

/** A decision and whether the authorizer allowed caching it (`cache: true`; a bare bool is not cached). */
export interface ParsedDecision {
  readonly authorization: Authorization;
  readonly cache: boolean;
}

function isOptionalBool(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'boolean';
}

export function parseDecision(result: CallResult, procedure: string): ParsedDecision {
  const value = result.args.length > 0 ? result.args[0] : result.kwargs;
  if (typeof value === 'boolean') return { authorization: { allow: value, disclose: false }, cache: false };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { allow, disclose, cache } = value as Dict;
    if (typeof allow === 'boolean' && isOptionalBool(disclose) && isOptionalBool(cache)) {
      return { authorization: { allow, disclose: disclose === true }, cache: cache === true };
    }
  }
  throw new InvalidAuthorizationResultError(procedure);
}

export function parseAuthorization(result: CallResult, procedure: string): Authorization {
  return parseDecision(result, procedure).authorization;
}

function cacheKey(action: Action, uri: string, options: Dict): string {
  const match = options['match'];
  return `${action} ${typeof match === 'string' ? match : 'exact'} ${uri}`;
}

export class DynamicAuthorizer implements Authorizer {
  readonly #procedure: string;
  readonly #call: InternalCall;
  readonly #maxCached: number;
  readonly #cache = new WeakMap<SessionInfo, Map<string, Authorization>>();

  constructor(procedure: string, call: InternalCall, options: DynamicAuthorizerOptions = {}) {
    this.#procedure = procedure;
    this.#call = call;
    this.#maxCached = options.maxCachedPerSession ?? DEFAULT_MAX_CACHED_PER_SESSION;
    if (!Number.isInteger(this.#maxCached) || this.#maxCached < 0) {
      throw new RangeError(`Expected \`maxCachedPerSession\` to be an integer from 0 and up, got \`${String(options.maxCachedPerSession)}\``);
    }
  }

  /** A cached decision is returned synchronously; otherwise the procedure is called. */
  authorize(session: SessionInfo, action: Action, uri: string, options: Dict): Authorization | Promise<Authorization> {
    const key = cacheKey(action, uri, options);
    const cached = this.#cache.get(session)?.get(key);
    return cached ?? this.#ask(session, action, uri, options, key);
  }

  async #ask(session: SessionInfo, action: Action, uri: string, options: Dict, key: string): Promise<Authorization> {
    const who = {
      realm: session.realm, authid: session.authid, authrole: session.authrole,
      authmethod: session.authmethod, authprovider: session.authprovider, session: session.id,
    };
    let result: CallResult;
    try {
      result = await this.#call(session.realm, this.#procedure, [who, uri, action, options]);
    } catch (error) {
      if (error instanceof WampCallError && error.error === WampErrorUri.noSuchProcedure) throw new AuthorizerNotRegisteredError(this.#procedure, session.realm);
      throw error;
    }
    const { authorization, cache } = parseDecision(result, this.#procedure);
    if (cache && this.#maxCached > 0) this.#remember(session, key, authorization);
    return authorization;
  }

  #remember(session: SessionInfo, key: string, authorization: Authorization): void {
    let decisions = this.#cache.get(session);
    if (decisions === undefined) this.#cache.set(session, (decisions = new Map<string, Authorization>()));
    if (decisions.size >= this.#maxCached && !decisions.has(key)) {
      const oldest = decisions.keys().next();
      if (oldest.done !== true) decisions.delete(oldest.value);
    }
    decisions.set(key, authorization);
  }
}
