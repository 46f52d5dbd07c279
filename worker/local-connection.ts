/**
 * The embedded worker's connection to the Router of its own process: an in-process pair
 * (router/transports/local.ts) attached with the worker's transport auth block, a ticket handshake
 * (HELLO → CHALLENGE → AUTHENTICATE → WELCOME), then a LocalWorkerSession. Same contract as the
 * autobahn-js WorkerConnection (worker/connection.ts) used for remote routers: `onJoin` after every
 * join, `onLeave` after it ends, a new join with backoff after any loss (a GOODBYE from the router,
 * e.g. wamp.session.kill), and a refused join (ABORT before WELCOME) or a refused registration is final:
 * 'failed' is emitted and retrying stops. Why not autobahn-js here: see docs/architecture.md "Architecture".
 */
import { EventEmitter } from 'node:events';
import type { Router } from '../router/index.ts';
import { createLocalPair, type LocalClient } from '../router/transports/local.ts';
import type { TransportDetails } from '../router/transports/peer.ts';
import type { TransportAuthConfig } from '../shared/config/types.ts';
import { WorkerJoinError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { MessageType } from '../shared/wamp/message-type.ts';
import type { WampMessage } from '../shared/wamp/messages.ts';
import { WampCloseUri, WampErrorUri } from '../shared/wamp/uris.ts';
import { Backoff, registrationFailure, type RetryOptions } from './reconnect.ts';
import { LocalWorkerSession } from './local-session.ts';
import type { WorkerLink, WorkerSession } from './worker-session.ts';

const DETAILS: TransportDetails = Object.freeze({ kind: 'local', serializer: 'none', peer: 'local:worker' });
/** How close() waits for the router's GOODBYE before it drops the pair. */
const CLOSE_WAIT_MS = 3000;

/**
 * The roles and features autobahn-js announces, so that the router treats this session the same, plus
 * callee call_canceling: the session handles INTERRUPT (worker/local-session.ts).
 */
const ROLES = Object.freeze({
  caller: { features: { caller_identification: true, call_canceling: true, progressive_call_results: true } },
  callee: { features: { caller_identification: true, pattern_based_registration: true, shared_registration: true, progressive_call_results: true, registration_revocation: true, call_canceling: true } },
  publisher: { features: { publisher_identification: true, subscriber_blackwhite_listing: true, publisher_exclusion: true } },
  subscriber: { features: { publisher_identification: true, pattern_based_subscription: true, subscription_revocation: true } },
});

export interface LocalConnectionOptions {
  readonly router: Router;
  /** The transport auth block the pair is attached with (the worker's own ticket principal). */
  readonly auth: TransportAuthConfig;
  readonly realm: string;
  readonly authid: string;
  readonly ticket: string;
  readonly logger: Logger;
  readonly retry?: RetryOptions;
  readonly onJoin: (session: WorkerSession) => Promise<void>;
  readonly onLeave: (reason: string) => void;
}

export class LocalWorkerConnection extends EventEmitter<{ failed: [WorkerJoinError] }> implements WorkerLink {
  readonly #options: LocalConnectionOptions;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #client: LocalClient | undefined;
  #session: LocalWorkerSession | undefined;
  /** The reason of the router's GOODBYE or ABORT that ended the current pair, if any. */
  #reason: string | undefined;
  #closing = false;
  #failure: WorkerJoinError | undefined;
  #onClosed: (() => void) | undefined;

  constructor(options: LocalConnectionOptions) {
    super();
    this.#options = options;
    this.#log = options.logger.child({ component: 'worker-connection', realm: options.realm, authid: options.authid });
    this.#backoff = new Backoff(options.retry);
  }

  get failure(): WorkerJoinError | undefined {
    return this.#failure;
  }

  open(): void {
    if (this.#client !== undefined || this.#closing) return;
    const { peer, client } = createLocalPair(DETAILS);
    this.#client = client;
    this.#reason = undefined;
    client.events.on('message', (msg) => { this.#receive(client, msg); });
    client.events.once('close', () => { this.#closed(client); });
    this.#options.router.attach(peer, { auth: this.#options.auth });
    client.send({ type: MessageType.HELLO, realm: this.#options.realm, details: { roles: ROLES, authmethods: ['ticket'], authid: this.#options.authid } });
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#backoff.cancel();
    const client = this.#client;
    if (client === undefined || client.closed) return;
    const closed = new Promise<void>((resolve) => { this.#onClosed = resolve; });
    if (this.#session === undefined) {
      client.close();
      await closed;
      return;
    }
    client.send({ type: MessageType.GOODBYE, details: { message: 'the worker is shutting down' }, reason: WampCloseUri.systemShutdown });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => { resolve(true); }, CLOSE_WAIT_MS); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.#log.warn('the router did not answer GOODBYE in time');
      client.close();
    }
  }

  #receive(client: LocalClient, msg: WampMessage): void {
    const session = this.#session;
    if (session !== undefined) {
      if (msg.type === MessageType.GOODBYE) {
        // spec: basic/sessions.md "Session Closing": answer the router's GOODBYE, then the pair closes.
        this.#reason = msg.reason;
        if (!this.#closing) client.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
        client.close();
      } else if (msg.type === MessageType.ABORT) {
        this.#reason = msg.reason;
        client.close();
      } else if (!session.receive(msg)) {
        this.#log.warn({ type: msg.type }, 'protocol violation from the router; leaving');
        client.send({ type: MessageType.ABORT, details: {}, reason: WampErrorUri.protocolViolation });
        client.close();
      }
      return;
    }
    switch (msg.type) {
      case MessageType.CHALLENGE:
        client.send({ type: MessageType.AUTHENTICATE, signature: this.#options.ticket, extra: {} });
        return;
      case MessageType.WELCOME:
        this.#joined(new LocalWorkerSession(msg.session, client, this.#log));
        return;
      case MessageType.ABORT: {
        // spec: basic/sessions.md "ABORT": the router refused the join; final.
        const text = msg.details['message'];
        this.#fail(new WorkerJoinError(msg.reason, typeof text === 'string' ? text : undefined));
        client.close();
        return;
      }
      default:
        client.close({ reason: `unexpected message ${msg.type} during the handshake` });
    }
  }

  #joined(session: LocalWorkerSession): void {
    this.#session = session;
    this.#backoff.reset();
    this.#options.onJoin(session).catch((error: unknown) => {
      this.#fail(registrationFailure(error));
      this.#client?.close();
    });
  }

  #closed(client: LocalClient): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined) {
      session.closed();
      this.#options.onLeave(this.#reason ?? 'lost');
    }
    if (this.#closing || this.#failure !== undefined) {
      this.#onClosed?.();
      return;
    }
    const next = this.#backoff.schedule(() => { this.open(); });
    this.#log.warn({ reason: this.#reason, ...next }, 'worker connection closed; reconnecting');
  }

  #fail(error: WorkerJoinError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#log.error({ reason: error.reason }, error.message);
    this.emit('failed', error);
  }
}
