/**
 * The opening handshake of one session: HELLO → [CHALLENGE → AUTHENTICATE] → WELCOME or ABORT
 * (spec: basic/sessions.md, advanced/authentication.md). It decides; RouterSession sends
 * and keeps the state machine and the timeout.
 */
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Abort, Authenticate, Challenge, Dict, Hello, Welcome } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { isValidUri } from '../../shared/wamp/uri-rules.ts';
import { ROUTER_ROLES } from '../../shared/wamp/features.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AuthChallenge, AuthMethod, AuthStep, Authenticator, Principal } from '../auth/authenticator.ts';
import type { TransportDetails } from '../transports/peer.ts';
import type { ClientRole } from '../types.ts';
import { ROUTER_AGENT } from '../version.ts';

/** What the handshake needs to know about realms. */
export interface RealmDirectory {
  hasRealm(realm: string): boolean;
  /** Whether `realm` exists and defines `role`. */
  hasRole(realm: string, role: string): boolean;
}

export interface HandshakeDeps {
  readonly realms: RealmDirectory;
  readonly authenticators: ReadonlyMap<AuthMethod, Authenticator>;
  readonly transport: TransportDetails;
  readonly strictUris: boolean;
  readonly logger: Logger;
}

export type HandshakeStep =
  | { readonly kind: 'challenge'; readonly message: Challenge }
  | { readonly kind: 'welcome'; readonly realm: string; readonly principal: Principal; readonly message: Welcome }
  | { readonly kind: 'abort'; readonly message: Abort };

/** The default when HELLO.Details.authmethods is absent (spec: advanced/authentication.md). */
const DEFAULT_AUTHMETHODS: readonly string[] = ['anonymous'];

export function abortMessage(reason: string, message: string): Abort {
  return { type: MessageType.ABORT, details: { message }, reason };
}

function abort(reason: string, message: string): HandshakeStep {
  return { kind: 'abort', message: abortMessage(reason, message) };
}

const CLIENT_ROLES: readonly ClientRole[] = ['caller', 'callee', 'publisher', 'subscriber'];

function announcesRole(roles: unknown): boolean {
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) return false;
  return CLIENT_ROLES.some((role) => Object.hasOwn(roles, role));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Handshake {
  readonly #deps: HandshakeDeps;
  readonly #session: number;
  #realm = '';
  #method: AuthMethod = 'anonymous';
  #pending: AuthChallenge | undefined;

  /** @param session the session id WELCOME will carry (WAMP-CRA binds the challenge to it) */
  constructor(deps: HandshakeDeps, session: number) {
    this.#deps = deps;
    this.#session = session;
  }

  async hello(msg: Hello): Promise<HandshakeStep> {
    // spec: basic/uri_reference.md "Incorrect URIs" (realm is a URI)
    if (!isValidUri(msg.realm, { strict: this.#deps.strictUris, allowEmptyComponents: false })) {
      return abort(WampErrorUri.invalidUri, `invalid realm URI "${msg.realm}"`);
    }
    // Checked before authenticating: a dynamic authenticator may move a session to another realm,
    // but never out of a realm that does not exist.
    if (!this.#deps.realms.hasRealm(msg.realm)) {
      return abort(WampErrorUri.noSuchRealm, `no realm "${msg.realm}" exists on this router`);
    }
    // spec: basic/sessions.md "HELLO": a client MUST announce the roles it supports
    if (!announcesRole(msg.details['roles'])) {
      return abort(WampErrorUri.protocolViolation, `HELLO.Details.roles must announce at least one of ${CLIENT_ROLES.join(', ')}`);
    }
    this.#realm = msg.realm;
    const methods = msg.details['authmethods'] ?? DEFAULT_AUTHMETHODS;
    if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
      return abort(WampErrorUri.protocolViolation, 'HELLO.Details.authmethods must be a list of strings');
    }
    // The first method the client offers that this transport has (spec: advanced/authentication.md).
    const method = methods.find((m): m is AuthMethod => this.#deps.authenticators.has(m as AuthMethod));
    const authenticator = method === undefined ? undefined : this.#deps.authenticators.get(method);
    if (!authenticator) {
      const offered = [...this.#deps.authenticators.keys()].join(', ');
      return abort(WampErrorUri.noMatchingAuthMethod, `cannot authenticate using any of the offered authmethods [${methods.join(', ')}] (this transport accepts: ${offered})`);
    }
    this.#method = authenticator.method;
    const authid = msg.details['authid'];
    let step: AuthStep;
    try {
      step = await authenticator.start({
        realm: msg.realm,
        details: msg.details,
        authid: typeof authid === 'string' ? authid : undefined,
        session: this.#session,
        transport: this.#deps.transport,
      });
    } catch (error) {
      this.#deps.logger.warn({ err: error, authmethod: authenticator.method }, 'authenticator failed');
      return abort(WampErrorUri.authenticationFailed, `${authenticator.method} authentication failed: ${errorMessage(error)}`);
    }
    return this.#advance(step);
  }

  /** AUTHENTICATE answering our CHALLENGE; the session state table guarantees one is pending. */
  async authenticate(msg: Authenticate): Promise<HandshakeStep> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return abort(WampErrorUri.protocolViolation, 'AUTHENTICATE without a CHALLENGE');
    try {
      return this.#advance(await pending.verify(msg.signature, msg.extra));
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'signature verification failed');
      return abort(WampErrorUri.authenticationFailed, `${this.#method} authentication failed: ${errorMessage(error)}`);
    }
  }

  #advance(step: AuthStep): HandshakeStep {
    switch (step.kind) {
      case 'deny':
        return abort(step.reason, step.message);
      case 'challenge':
        this.#pending = step;
        return { kind: 'challenge', message: { type: MessageType.CHALLENGE, authMethod: this.#method, extra: step.extra } };
      case 'accept':
        return this.#welcome(step.principal);
    }
  }

  #welcome(principal: Principal): HandshakeStep {
    // A dynamic authenticator may move the session to another realm (Crossbar contract).
    const realm = principal.realm ?? this.#realm;
    if (!this.#deps.realms.hasRealm(realm)) return abort(WampErrorUri.noSuchRealm, `no realm "${realm}" exists on this router`);
    if (!this.#deps.realms.hasRole(realm, principal.authrole)) {
      return abort(WampErrorUri.noSuchRole, `authenticated as authrole "${principal.authrole}", which realm "${realm}" does not define`);
    }
    const details: Dict = {
      realm,
      authid: principal.authid,
      authrole: principal.authrole,
      authmethod: principal.authmethod,
      authprovider: principal.authprovider,
      authextra: principal.authextra ?? {},
      roles: ROUTER_ROLES,
      agent: ROUTER_AGENT,
    };
    return { kind: 'welcome', realm, principal, message: { type: MessageType.WELCOME, session: this.#session, details } };
  }
}
