/**
 * The WAMP sessions one delegating raw socket connection submits through: one BridgeSession per
 * (user, role), opened on the first call for it and kept for the next ones (docs/legacy-rawsocket.md,
 * "Delegated listener"). At most `limit` are kept; beyond that the least recently used one that has
 * no call in flight and no running task is closed (one that does would lose its answers or updates,
 * so the cache may exceed the limit while every session is busy). All are closed with the connection.
 *
 * Calls for a session that is still joining wait for it, in order; answers of every session go to the
 * connection's one sink, tagged with the call ids the service chose.
 */
import type { Logger } from '../../shared/logger.ts';
import type { BridgeSession, BridgeSink } from './bridge-session.ts';

export const DEFAULT_DELEGATED_SESSION_LIMIT = 1000;

export interface DelegatedCall {
  readonly callId: unknown;
  readonly user: string;
  readonly role: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
}

export interface DelegatedSessionsOptions {
  /** Join a session as `user` with `role` (BridgeContext.openSession with delegated credentials). */
  readonly open: (user: string, role: string) => Promise<BridgeSession>;
  readonly sink: BridgeSink;
  readonly logger: Logger;
  /** @default DEFAULT_DELEGATED_SESSION_LIMIT */
  readonly limit?: number;
}

interface Entry {
  readonly user: string;
  readonly role: string;
  session: BridgeSession | undefined;
  /** Resolves with the session, or with the refusal text when the join failed. */
  readonly joined: Promise<BridgeSession | string>;
  /** Calls submitted and not yet answered with `r` or `e`. */
  inflight: number;
}

export class DelegatedSessions {
  readonly #options: DelegatedSessionsOptions;
  readonly #limit: number;
  /** Insertion order = recency: a used entry is moved to the end. */
  readonly #entries = new Map<string, Entry>();
  #closed = false;
  #overLimitLogged = false;

  constructor(options: DelegatedSessionsOptions) {
    this.#options = options;
    this.#limit = options.limit ?? DEFAULT_DELEGATED_SESSION_LIMIT;
  }

  /** Sessions kept (joined or joining). */
  get size(): number {
    return this.#entries.size;
  }

  submit(call: DelegatedCall): void {
    const { sink } = this.#options;
    if (this.#closed) {
      sink.error(call.callId, 'the connection is closing');
      return;
    }
    const entry = this.#entry(call.user, call.role);
    entry.inflight += 1;
    if (entry.session !== undefined) {
      entry.session.submit(call.callId, call.task, call.args, call.kwargs);
      return;
    }
    void entry.joined.then((joined) => {
      if (typeof joined === 'string') {
        entry.inflight -= 1;
        sink.error(call.callId, joined);
      } else {
        joined.submit(call.callId, call.task, call.args, call.kwargs);
      }
    });
  }

  /** Close every session; tasks already submitted run on, their updates are dropped. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) entry.session?.close();
    this.#entries.clear();
  }

  #entry(user: string, role: string): Entry {
    const key = JSON.stringify([user, role]);
    const found = this.#entries.get(key);
    if (found !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, found);
      return found;
    }
    const entry: Entry = { user, role, session: undefined, joined: this.#join(key, user, role), inflight: 0 };
    this.#entries.set(key, entry);
    this.#evict();
    return entry;
  }

  #join(key: string, user: string, role: string): Promise<BridgeSession | string> {
    return this.#options.open(user, role).then((session) => {
      const entry = this.#entries.get(key);
      if (this.#closed || entry === undefined) { // the connection went away while joining
        session.close();
        return 'the connection is closing';
      }
      entry.session = session;
      session.setSink(this.#sinkFor(entry));
      session.once('closed', () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      });
      return session;
    }, (error: unknown) => {
      const entry = this.#entries.get(key);
      if (entry !== undefined && entry.session === undefined) this.#entries.delete(key); // the next call tries again
      const text = `Cannot act as user ${user} with role ${role}: ${error instanceof Error ? error.message : String(error)}`;
      this.#options.logger.info({ user, role, err: error }, 'delegated session refused');
      return text;
    });
  }

  #sinkFor(entry: Entry): BridgeSink {
    const { sink } = this.#options;
    return {
      reply: (callId, taskId) => {
        entry.inflight -= 1;
        sink.reply(callId, taskId);
      },
      error: (callId, text) => {
        entry.inflight -= 1;
        sink.error(callId, text);
      },
      update: (callId, data) => { sink.update(callId, data); },
    };
  }

  #evict(): void {
    if (this.#entries.size <= this.#limit) return;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#limit) return;
      const { session } = entry;
      if (session === undefined || entry.inflight > 0 || session.openTasks > 0) continue;
      this.#entries.delete(key);
      session.close();
    }
    if (this.#entries.size > this.#limit && !this.#overLimitLogged) {
      this.#overLimitLogged = true;
      this.#options.logger.warn({ sessions: this.#entries.size, limit: this.#limit }, 'every delegated session is busy; keeping more than the limit');
    }
  }
}
