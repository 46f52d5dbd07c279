/**
 * The realm table and the entry point of every connection: attach(peer) starts a RouterSession,
 * whose handshake ends in realm.join. Also the router's trusted service session per realm
 * (Router.call) and the orderly shutdown.
 */
import { ConfigInvalidError } from '../shared/errors.ts';
import { silentLogger, type Logger } from '../shared/logger.ts';
import type { TransportAuthConfig } from '../shared/config/types.ts';
import { randomId } from '../shared/wamp/ids.ts';
import { isValidUri } from '../shared/wamp/uri-rules.ts';
import { WampErrorUri } from '../shared/wamp/uris.ts';
import type { AuthMethod, Authenticator } from './auth/authenticator.ts';
import { buildAuthenticators } from './auth/index.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { Handshake, type RealmDirectory } from './session/handshake.ts';
import type { AttachOptions, Router, RouterOptions } from './index.ts';
import { InternalSession } from './session/internal-session.ts';
import { MessageCounters, type MessageCounts } from './metrics/message-counters.ts';
import { Realm } from './realm.ts';
import { createRealmAuthorizer } from './authz/realm-authorizer.ts';
import { RouterSession } from './session/session.ts';
import type { Peer, TransportKind } from './transports/peer.ts';
import type { CallResult, InternalCall } from './types.ts';
import { WampCallError } from './dealer/wamp-call-error.ts';

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long close() waits for GOODBYE replies before closing the remaining transports. */
const SHUTDOWN_GRACE_MS = 2_000;

type Authenticators = ReadonlyMap<AuthMethod, Authenticator>;

interface RealmEntry {
  readonly realm: Realm;
  readonly internal: InternalSession;
}

export class WampRouter implements Router {
  readonly #log: Logger;
  readonly #strictUris: boolean;
  readonly #handshakeTimeoutMs: number;
  readonly #realms = new Map<string, RealmEntry>();
  /** Every attached session, joined or still in its handshake. */
  readonly #sessions = new Map<number, RouterSession>();
  readonly #authenticators = new WeakMap<TransportAuthConfig, Authenticators>();
  #anonymousOnly: Authenticators | undefined;
  readonly #throttle: LoginThrottle | undefined;
  readonly #counters = new MessageCounters();
  #closing: Promise<void> | undefined;
  readonly #directory: RealmDirectory = {
    hasRealm: (name) => this.#realms.has(name),
    hasRole: (name, role) => this.#realms.get(name)?.realm.hasRole(role) ?? false,
  };

  constructor(options: RouterOptions) {
    const logger = options.logger ?? silentLogger();
    this.#log = logger.child({ component: 'router' });
    this.#strictUris = options.strictUris ?? false;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (!Number.isInteger(this.#handshakeTimeoutMs) || this.#handshakeTimeoutMs <= 0) {
      throw new ConfigInvalidError(`must be a positive integer, got ${String(options.handshakeTimeoutMs)}`, 'handshakeTimeoutMs');
    }
    this.#throttle = options.loginThrottle === false ? undefined : new LoginThrottle({ logger: this.#log, ...options.loginThrottle });
    options.realms.forEach((config, i) => {
      if (!isValidUri(config.name, { strict: this.#strictUris, allowEmptyComponents: false })) {
        throw new ConfigInvalidError(`invalid realm name "${config.name}"`, `realms[${i}].name`);
      }
      if (this.#realms.has(config.name)) throw new ConfigInvalidError(`duplicate realm "${config.name}"`, `realms[${i}].name`);
      const authorizer = createRealmAuthorizer(config, { call: this.call, logger });
      const realm = new Realm({ config, authorizer, logger, strictUris: this.#strictUris, ...(options.timers ? { timers: options.timers } : {}) });
      this.#realms.set(config.name, { realm, internal: new InternalSession(config.name, realm.dealer, logger) });
    });
  }

  readonly call: InternalCall = (realm, procedure, args, kwargs): Promise<CallResult> => {
    const entry = this.#realms.get(realm);
    if (!entry) return Promise.reject(new WampCallError(WampErrorUri.noSuchRealm, [`no realm "${realm}" exists on this router`]));
    if (this.#closing) return Promise.reject(new WampCallError(WampErrorUri.canceled, ['the router is shutting down']));
    return entry.internal.call(procedure, args, kwargs);
  };

  get sessionCount(): number {
    let count = 0;
    for (const { realm } of this.#realms.values()) count += realm.sessionCount;
    return count;
  }

  get messageCounts(): MessageCounts {
    return this.#counters;
  }

  sessionsByTransport(): Record<TransportKind, number> {
    const counts: Record<TransportKind, number> = { websocket: 0, rawsocket: 0, longpoll: 0, local: 0 };
    for (const session of this.#sessions.values()) {
      const kind = session.state === 'established' ? session.handle?.transport.kind : undefined;
      if (kind !== undefined) counts[kind] += 1;
    }
    return counts;
  }

  attach(peer: Peer, options: AttachOptions = {}): void {
    if (this.#closing) {
      peer.close();
      return;
    }
    const id = this.#newSessionId();
    const handshake = new Handshake({
      realms: this.#directory,
      authenticators: this.#authenticatorsFor(options.auth),
      transport: peer.details,
      strictUris: this.#strictUris,
      logger: this.#log,
    }, id);
    const session = new RouterSession({
      id, peer, handshake,
      realm: (name) => this.#realms.get(name)?.realm,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      logger: this.#log,
      counters: this.#counters,
      onClose: (closed) => { this.#sessions.delete(closed.id); },
    });
    if (session.state !== 'closed') this.#sessions.set(id, session);
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#log.info({ sessions: sessions.length }, 'router shutting down');
    let grace: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => { grace = setTimeout(resolve, SHUTDOWN_GRACE_MS); });
    await Promise.race([Promise.all(sessions.map((session) => session.shutdown())), graceOver]);
    clearTimeout(grace);
    for (const session of this.#sessions.values()) session.kill();
    for (const { realm, internal } of this.#realms.values()) {
      internal.close();
      realm.close();
    }
  }

  /** WELCOME.Session is global scope: random, and unique among live sessions (spec: basic/building_blocks.md "IDs"). */
  #newSessionId(): number {
    let id = randomId();
    while (this.#sessions.has(id)) id = randomId();
    return id;
  }

  #authenticatorsFor(auth: TransportAuthConfig | undefined): Authenticators {
    const deps = { call: this.call, logger: this.#log, throttle: this.#throttle };
    if (auth === undefined) return (this.#anonymousOnly ??= buildAuthenticators(undefined, deps));
    let built = this.#authenticators.get(auth);
    if (!built) this.#authenticators.set(auth, (built = buildAuthenticators(auth, deps)));
    return built;
  }
}
