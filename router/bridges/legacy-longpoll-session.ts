/**
 * One legacy long-poll session (docs/legacy-longpoll.md, "Sessions"): the WAMP session of its user
 * (bridge-session.ts), the updates waiting for the next GET, the GETs being held, and the two clocks
 * that end it: `maxSessionInactivityMs` without a request, and `maxSessionTimeMs` from its start.
 * Ending a session leaves the realm; the tasks it submitted keep running, their updates are dropped.
 *
 * Concurrent GETs: when updates arrive, the newest held GET takes all of them; the other held GETs
 * keep waiting (until the next updates or their own timeout). No flag outlives a GET.
 */
import type { Logger } from '../../shared/logger.ts';
import type { BridgeSession, BridgeSink } from './bridge-session.ts';
import { errorMessage, replyMessage, updateMessage } from './legacy-message.ts';

export type LegacyAnswer = readonly unknown[];
/** Receives the updates of one GET (possibly none), exactly once. */
export type PollAnswer = (updates: readonly LegacyAnswer[]) => void;

export interface LongPollSessionOptions {
  readonly id: string;
  readonly bridge: BridgeSession;
  /** Digest of the token that opened the session (never the token itself). */
  readonly tokenDigest: string;
  readonly maxSessionTimeMs: number;
  readonly maxSessionInactivityMs: number;
  readonly queueLimit: number;
  readonly logger: Logger;
  /** Called once, when the session has ended (expired, closed by the router, or by `end`). */
  readonly onEnd: (session: LongPollSession) => void;
}

/** The call id handed to the bridge: the client's id and the POST waiting for the answer. */
class PendingCall {
  readonly callId: unknown;
  readonly answer: (message: LegacyAnswer) => void;
  constructor(callId: unknown, answer: (message: LegacyAnswer) => void) {
    this.callId = callId;
    this.answer = answer;
  }
}

interface HeldPoll {
  readonly answer: PollAnswer;
  readonly timer: NodeJS.Timeout;
}

function pendingCall(key: unknown): PendingCall {
  if (!(key instanceof PendingCall)) throw new TypeError('legacy long poll: a bridge answer without its pending call');
  return key;
}

export class LongPollSession {
  readonly id: string;
  readonly bridge: BridgeSession;
  readonly expiresAt: number;
  readonly #options: LongPollSessionOptions;
  readonly #log: Logger;
  readonly #tokens = new Set<string>();
  #queue: LegacyAnswer[] = [];
  #polls: HeldPoll[] = [];
  #inactivity: NodeJS.Timeout | undefined;
  readonly #lifetime: NodeJS.Timeout;
  #dropped = 0;
  #ended = false;

  constructor(options: LongPollSessionOptions) {
    this.id = options.id;
    this.bridge = options.bridge;
    this.#options = options;
    this.#log = options.logger;
    this.#tokens.add(options.tokenDigest);
    this.expiresAt = Date.now() + options.maxSessionTimeMs;
    const sink: BridgeSink = {
      reply: (key, taskId) => { const call = pendingCall(key); call.answer(replyMessage(call.callId, taskId)); },
      error: (key, text) => { const call = pendingCall(key); call.answer(errorMessage(call.callId, text)); },
      update: (key, data) => { this.#enqueue(updateMessage(pendingCall(key).callId, data)); },
    };
    options.bridge.setSink(sink);
    options.bridge.once('closed', () => { this.end('the WAMP session closed'); });
    this.#lifetime = setTimeout(() => { this.end('maximum session time reached'); }, options.maxSessionTimeMs);
    this.#lifetime.unref();
    this.touch();
  }

  get authid(): string {
    return this.bridge.authid;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Updates waiting for a GET. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Whole seconds left (the cookie's Max-Age), at least 1 while the session lives. */
  get remainingS(): number {
    return Math.max(1, Math.ceil((this.expiresAt - Date.now()) / 1000));
  }

  /** Whether `digest` is that of a token already checked for this session's user. */
  knowsToken(digest: string): boolean {
    return this.#tokens.has(digest);
  }

  /** Another token of the same user (checked by the caller). */
  addToken(digest: string): void {
    this.#tokens.add(digest);
  }

  /** A request arrived: the inactivity clock starts again. */
  touch(): void {
    if (this.#ended) return;
    clearTimeout(this.#inactivity);
    this.#inactivity = setTimeout(() => {
      // A held GET is activity: the clock runs from the end of the last request.
      if (this.#polls.length > 0) this.touch();
      else this.end('inactive');
    }, this.#options.maxSessionInactivityMs);
    this.#inactivity.unref();
  }

  /**
   * Submit a call; `answer` gets its `r` or `e` message, synchronously from the bridge, so an answer
   * written there leaves before the task's first update is queued.
   */
  submit(callId: unknown, task: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>, answer: (message: LegacyAnswer) => void): void {
    if (this.#ended) {
      answer(errorMessage(callId, 'the session is closed'));
      return;
    }
    this.bridge.submit(new PendingCall(callId, answer), task, args, { ...kwargs });
  }

  /**
   * A GET: answered at once with every queued update, else held until updates arrive (then it gets
   * them if it is the newest held GET) or `timeoutMs` passes (then `[]`). Returns `withdraw`, for a
   * client that went away: its GET is forgotten without an answer, and no update is lost.
   */
  poll(answer: PollAnswer, timeoutMs: number): () => void {
    if (this.#ended || this.#queue.length > 0) {
      const updates = this.#queue;
      this.#queue = [];
      answer(updates);
      return () => undefined;
    }
    const held: HeldPoll = { answer, timer: setTimeout(() => { this.#release(held, []); }, timeoutMs) };
    this.#polls.push(held);
    return () => {
      clearTimeout(held.timer);
      this.#polls = this.#polls.filter((p) => p !== held);
      this.touch();
    };
  }

  /** Leave the realm, answer held GETs with `[]`, drop the queue. Idempotent. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#inactivity);
    clearTimeout(this.#lifetime);
    this.#log.debug({ reason, queued: this.#queue.length }, 'legacy long-poll session ended');
    this.bridge.close(); // answers POSTs still waiting, through the sink
    this.bridge.setSink(undefined);
    this.#queue = [];
    for (const held of [...this.#polls]) this.#release(held, []);
    this.#options.onEnd(this);
  }

  #release(held: HeldPoll, updates: readonly LegacyAnswer[]): void {
    clearTimeout(held.timer);
    this.#polls = this.#polls.filter((p) => p !== held);
    this.touch();
    held.answer(updates);
  }

  #enqueue(message: LegacyAnswer): void {
    if (this.#ended) return;
    const newest = this.#polls.at(-1);
    if (newest !== undefined) {
      const updates = [...this.#queue, message];
      this.#queue = [];
      this.#release(newest, updates);
      return;
    }
    if (this.#queue.length >= this.#options.queueLimit) {
      this.#queue.shift();
      if (this.#dropped === 0) {
        this.#log.warn({ limit: this.#options.queueLimit }, 'legacy long poll: nobody polls this session; dropping its oldest updates');
      }
      this.#dropped += 1;
    }
    this.#queue.push(message);
  }
}
