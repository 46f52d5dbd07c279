/**
 * Dynamic authentication through an application procedure, Crossbar's contract (docs/crossbar-compat.md;
 * spec: advanced/authentication_dynamic.md is only "Write me."):
 * `authenticate(realm, authid, details)` → role string | {role, authid?, realm?, extra?, secret?, …}.
 * anonymous: one call, then accept. ticket: CHALLENGE {}, then the call carries `details.ticket`.
 * wampcra: the call returns the secret first, then we run the CRA round ourselves.
 */
import type { DynamicAuthConfig } from '../../shared/config/types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Dict } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { InternalCall } from '../types.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';
import { generateAuthid } from './anonymous.ts';
import type { AuthDeny, AuthMethod, AuthRequest, AuthStep, Authenticator, Principal } from './authenticator.ts';
import { craChallenge } from './cra-challenge.ts';
import { deny, denyFailure, denyMissingAuthid } from './deny.ts';
import { InvalidAuthResultError, parseAuthResult, type DynamicAuthResult } from './dynamic-result.ts';

export interface DynamicAuthDeps {
  readonly call: InternalCall;
  readonly logger: Logger;
}

const METHOD_NAMES: Readonly<Record<AuthMethod, string>> = { anonymous: 'anonymous', ticket: 'ticket', wampcra: 'WAMP-CRA' };

export class DynamicAuthenticator implements Authenticator {
  readonly method: AuthMethod;
  readonly #config: DynamicAuthConfig;
  readonly #deps: DynamicAuthDeps;
  constructor(method: AuthMethod, config: DynamicAuthConfig, deps: DynamicAuthDeps) {
    this.method = method;
    this.#config = config;
    this.#deps = deps;
  }

  async start(request: AuthRequest): Promise<AuthStep> {
    if (this.method === 'anonymous') {
      // HELLO authid is passed along for information only; the authenticator decides (deny.ts, anonymous.ts).
      const result = await this.#authenticate(request, request.authid ?? null, {});
      return isDeny(result) ? result : accept(this.#principal(result, result.authid ?? generateAuthid()));
    }
    const authid = request.authid;
    if (authid === undefined && this.method === 'ticket' && request.transport.kind === 'local') return this.#tokenOnly(request);
    if (authid === undefined) return denyMissingAuthid(METHOD_NAMES[this.method]);
    if (this.method === 'ticket') {
      return {
        kind: 'challenge',
        extra: {},
        verify: async (ticket: string) => {
          const result = await this.#authenticate(request, authid, { ticket });
          return isDeny(result) ? result : accept(this.#principal(result, result.authid ?? authid));
        },
      };
    }
    const result = await this.#authenticate(request, authid, {});
    if (isDeny(result)) return result;
    if (result.secret === undefined) return denyFailure("dynamic authenticator returned no 'secret' for WAMP-CRA");
    const principal = this.#principal(result, result.authid ?? authid);
    const salt = result.salt === undefined ? undefined : { salt: result.salt, iterations: result.iterations ?? 1000, keylen: result.keylen ?? 32 };
    return craChallenge({
      authid: principal.authid, authrole: principal.authrole, authprovider: 'dynamic', session: request.session,
      key: result.secret, salt, principal,
    });
  }

  /**
   * A token without an authid (the legacy bridges, in-process only): the authenticator is called with
   * authid null and `details.ticket`, and must say whose token it is by returning `authid`
   * (docs/legacy-protocols.md, "Tokens").
   */
  #tokenOnly(request: AuthRequest): AuthStep {
    return {
      kind: 'challenge',
      extra: {},
      verify: async (ticket: string) => {
        const result = await this.#authenticate(request, null, { ticket });
        if (isDeny(result)) return result;
        if (result.authid === undefined) return denyFailure('dynamic authenticator returned no \'authid\' for a token given without one');
        return accept(this.#principal(result, result.authid));
      },
    };
  }

  #principal(result: DynamicAuthResult, authid: string): Principal {
    return {
      authid, authrole: result.role, authmethod: this.method, authprovider: 'dynamic',
      ...(result.extra === undefined ? {} : { authextra: result.extra }),
      ...(result.realm === undefined ? {} : { realm: result.realm }),
    };
  }

  async #authenticate(request: AuthRequest, authid: string | null, more: Dict): Promise<DynamicAuthResult | AuthDeny> {
    const procedure = this.#config.authenticator;
    const realm = this.#config.authenticatorRealm ?? request.realm;
    const t = request.transport;
    const details: Dict = {
      session: request.session,
      authmethod: this.method,
      authid,
      authextra: request.details['authextra'] ?? null,
      authprovider: 'dynamic',
      transport: { type: t.kind, protocol: t.protocol ?? null, peer: t.peer },
      ...more,
    };
    const log = this.#deps.logger;
    try {
      const result = await this.#deps.call(realm, procedure, [request.realm, authid, details]);
      return parseAuthResult(result);
    } catch (err) {
      if (err instanceof WampCallError) {
        if (err.error === WampErrorUri.noSuchProcedure || err.error === WampErrorUri.noSuchRealm) {
          log.warn({ procedure, realm, error: err.error }, 'dynamic authenticator is not available');
          const missing = err.error === WampErrorUri.noSuchRealm ? `realm "${realm}" does not exist` : `no procedure "${procedure}" is registered on realm "${realm}"`;
          return denyFailure(`dynamic authenticator unavailable: ${missing}`);
        }
        // The authenticator's own error: its URI is the ABORT reason (Crossbar behaviour).
        log.debug({ procedure, realm, error: err.error }, 'dynamic authenticator denied the session');
        return deny(err.error, typeof err.args[0] === 'string' ? err.args[0] : `dynamic authenticator denied the session (${err.error})`);
      }
      if (err instanceof InvalidAuthResultError) {
        log.warn({ procedure, realm }, err.message);
        return denyFailure(err.message);
      }
      log.error({ procedure, realm, err }, 'dynamic authenticator call failed');
      return denyFailure(`dynamic authenticator "${procedure}" failed`);
    }
  }
}

function isDeny(value: DynamicAuthResult | AuthDeny): value is AuthDeny {
  return 'kind' in value;
}

function accept(principal: Principal): AuthStep & { kind: 'accept' } {
  return { kind: 'accept', principal };
}
