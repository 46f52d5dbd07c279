/**
 * One autobahn-js connection that keeps itself joined: it reconnects with exponential backoff (with
 * jitter) after any loss, including the GOODBYE of a router that shuts down (after which autobahn
 * itself would stop), and calls `onJoin` after every join so that the worker registers again.
 * autobahn's own retry timer is disabled (max_retries 0): Connection.close() does not clear it, so a
 * pending autobahn retry could reconnect after close. A join the router refuses (ABORT before
 * WELCOME: bad credentials, unknown realm or role) is final: 'failed' is emitted and retrying stops.
 */
import { EventEmitter } from 'node:events';
import { WorkerJoinError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { autobahn, craChallengeHandler, isAbError, ticketChallengeHandler, type AbConnection, type AbSession } from './autobahn.ts';
import type { WorkerLink, WorkerSession } from './worker-session.ts';

export interface RetryOptions {
  /** @default 1000 */
  readonly initialDelayMs?: number;
  /** @default 30_000 */
  readonly maxDelayMs?: number;
  /** Delay factor per failed attempt. @default 1.5 */
  readonly growth?: number;
}

export const retryDefaults = { initialDelayMs: 1000, maxDelayMs: 30_000, growth: 1.5 } as const;
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
  readonly #retry: Required<RetryOptions>;
  readonly #options: WorkerConnectionOptions;
  #attempt = 0;
  #joined = false;
  #closing = false;
  #failure: WorkerJoinError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onClosed: (() => void) | undefined;

  constructor(options: WorkerConnectionOptions) {
    super();
    this.#options = options;
    this.#log = options.logger.child({ component: 'worker-connection', realm: options.realm, authid: options.authid });
    this.#retry = { ...retryDefaults, ...options.retry };
    const auth = options.secret !== undefined
      ? { authmethods: ['wampcra'], onchallenge: craChallengeHandler(options.secret) }
      : { authmethods: ['ticket'], onchallenge: ticketChallengeHandler(options.ticket ?? '') };
    this.#connection = new autobahn.Connection({
      transports: options.transports,
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
    clearTimeout(this.#timer);
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
    this.#attempt = 0;
    this.#options.onJoin(session).catch((error: unknown) => {
      const reason = isAbError(error) ? error.error : 'registration_failed';
      const first = isAbError(error) ? error.args[0] : undefined;
      const detail = isAbError(error) ? (typeof first === 'string' ? first : JSON.stringify(first ?? null)) : String(error);
      this.#fail(new WorkerJoinError(reason, `registering the worker's procedures failed: ${detail}`));
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
      // ABORT before WELCOME: the router refused us (spec: basic/session_lifecycle.md "ABORT").
      this.#fail(new WorkerJoinError(reason, message ?? undefined));
      return true;
    }
    const delay = Math.min(this.#retry.maxDelayMs, this.#retry.initialDelayMs * this.#retry.growth ** this.#attempt) * (0.9 + Math.random() * 0.2);
    this.#attempt += 1;
    this.#log.warn({ how, reason, retryInMs: Math.round(delay), attempt: this.#attempt }, 'worker connection closed; reconnecting');
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closing) this.#connection.open();
    }, delay);
    return true;
  }

  #fail(error: WorkerJoinError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#log.error({ reason: error.reason }, error.message);
    this.emit('failed', error);
  }
}
