/**
 * One autobahn-js connection that keeps itself joined: it reconnects with exponential backoff (with
 * jitter) after any loss, including the GOODBYE of a router that shuts down (after which autobahn
 * itself would stop), and calls `onJoin` after every join so that the worker registers again.
 * autobahn's own retry timer is disabled (max_retries 0): Connection.close() does not clear it, so a
 * pending autobahn retry could reconnect after close. A join the router refuses (ABORT before
 * WELCOME: bad credentials, unknown realm or role) is final: 'failed' is emitted and retrying stops.
 * Its WebSocket transports are autobahn's with call canceling added for the worker as a callee
 * (worker/interrupt-transport.ts), so INTERRUPT reaches the task endpoints as `details.signal`.
 */
import { EventEmitter } from 'node:events';
import { WorkerJoinError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { autobahn, craChallengeHandler, isAbError, ticketChallengeHandler, type AbConnection, type AbSession } from '../shared/autobahn.ts';
import { INTERRUPTIBLE_WEBSOCKET, InvocationSignals } from './interrupt-transport.ts';
import { Backoff, registrationFailure, type RetryOptions } from './reconnect.ts';
import type { WorkerLink, WorkerSession } from './worker-session.ts';


/** How long close() waits for the router's GOODBYE before it drops the transport. */
const CLOSE_WAIT_MS = 3000;

export interface WorkerConnectionOptions {
  readonly transports: Record<string, unknown>[];
  readonly realm: string;
  readonly authid: string;
  readonly ticket?: string;
  readonly secret?: string;
  readonly logger: Logger;
  readonly retry?: RetryOptions;
  /** After each join; a rejection (e.g. a REGISTER refused) is final, like a refused join. */
  readonly onJoin: (session: WorkerSession) => Promise<void>;
  /** After a joined session ended. */
  readonly onLeave: (reason: string) => void;
}

interface AbConnectionState extends AbConnection {
  readonly isConnected: boolean;
}

export class WorkerConnection extends EventEmitter<{ failed: [WorkerJoinError] }> implements WorkerLink {
  readonly #connection: AbConnectionState;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #options: WorkerConnectionOptions;
  readonly #signals = new InvocationSignals();
  #joined = false;
  #closing = false;
  #failure: WorkerJoinError | undefined;
  #onClosed: (() => void) | undefined;

  constructor(options: WorkerConnectionOptions) {
    super();
    this.#options = options;
    this.#log = options.logger.child({ component: 'worker-connection', realm: options.realm, authid: options.authid });
    this.#backoff = new Backoff(options.retry);
    const auth = options.secret !== undefined
      ? { authmethods: ['wampcra'], onchallenge: craChallengeHandler(options.secret) }
      : { authmethods: ['ticket'], onchallenge: ticketChallengeHandler(options.ticket ?? '') };
    this.#connection = new autobahn.Connection({
      transports: options.transports.map((transport) => (transport['type'] === 'websocket' ? { ...transport, type: INTERRUPTIBLE_WEBSOCKET, signals: this.#signals } : transport)),
      realm: options.realm,
      authid: options.authid,
      ...auth,
      max_retries: 0,
      retry_if_unreachable: false,
      on_user_error: (error: unknown, message?: string) => {
        // Errors our endpoints raise on purpose arrive here too; they were already mapped and logged.
        if (!isAbError(error)) this.#log.warn({ err: error, detail: message }, 'error in worker code');
      },
      on_internal_error: (error: unknown, message?: string) => { this.#log.warn({ err: error, detail: message }, 'autobahn internal error'); },
    }) as AbConnectionState;
    this.#connection.onopen = (session) => { this.#opened(session); };
    this.#connection.onclose = (reason, details) => this.#closed(reason, details.reason, details.message);
  }

  /** Set once the router refused the worker. */
  get failure(): WorkerJoinError | undefined {
    return this.#failure;
  }

  open(): void {
    this.#connection.open();
  }

  /** Leaves (GOODBYE) and stops retrying; resolves once the transport is closed. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#backoff.cancel();
    if (!this.#connection.isConnected) return;
    const closed = new Promise<void>((resolve) => { this.#onClosed = resolve; });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => { resolve(true); }, CLOSE_WAIT_MS); });
    try {
      this.#connection.close('wamp.close.system_shutdown', 'the worker is shutting down');
    } catch {
      return; // already closed
    }
    const timedOut = await Promise.race([closed.then(() => false), timeout]);
    clearTimeout(timer);
    if (timedOut) this.#log.warn('the router did not answer GOODBYE in time');
  }

  #opened(session: AbSession): void {
    this.#joined = true;
    this.#backoff.reset();
    this.#options.onJoin(this.#signals.session(session)).catch((error: unknown) => {
      this.#fail(registrationFailure(error));
      try {
        this.#connection.close();
      } catch {
        // already closed
      }
    });
  }

  /** autobahn's onclose; returns true (stop autobahn retrying: we retry ourselves). */
  #closed(how: string, reason: string | null, message: string | null): boolean {
    const wasJoined = this.#joined;
    this.#joined = false;
    if (wasJoined) this.#options.onLeave(reason ?? how);
    if (this.#closing || this.#failure !== undefined) {
      this.#onClosed?.();
      return true;
    }
    if (!wasJoined && reason !== null) {
      // ABORT before WELCOME: the router refused us (spec: basic/sessions.md "ABORT").
      this.#fail(new WorkerJoinError(reason, message ?? undefined));
      return true;
    }
    const next = this.#backoff.schedule(() => { if (!this.#closing) this.#connection.open(); });
    this.#log.warn({ how, reason, ...next }, 'worker connection closed; reconnecting');
    return true;
  }

  #fail(error: WorkerJoinError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#log.error({ reason: error.reason }, error.message);
    this.emit('failed', error);
  }
}
