/**
 * What the worker's two connections (connection.ts: autobahn-js to a remote router;
 * local-connection.ts: the in-process pair) share: reconnecting with exponential backoff and jitter,
 * and turning a failed registration into the WorkerJoinError that stops retrying.
 */
import { WorkerJoinError } from '../shared/errors.ts';
import { isAbError } from '../shared/autobahn.ts';

export interface RetryOptions {
  /** @default 1000 */
  readonly initialDelayMs?: number;
  /** @default 30_000 */
  readonly maxDelayMs?: number;
  /** Delay factor per failed attempt. @default 1.5 */
  readonly growth?: number;
}

export const retryDefaults = { initialDelayMs: 1000, maxDelayMs: 30_000, growth: 1.5 } as const;

/** One pending reconnect at a time; the delay grows per attempt until `reset()` (a join). */
export class Backoff {
  readonly #retry: Required<RetryOptions>;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(retry: RetryOptions | undefined) {
    this.#retry = { ...retryDefaults, ...retry };
  }

  reset(): void {
    this.#attempt = 0;
  }

  /** Runs `reconnect` after the next delay (±10 % jitter); returns that delay and the attempt number. */
  schedule(reconnect: () => void): { readonly retryInMs: number; readonly attempt: number } {
    const { initialDelayMs, maxDelayMs, growth } = this.#retry;
    const delay = Math.min(maxDelayMs, initialDelayMs * growth ** this.#attempt) * (0.9 + Math.random() * 0.2);
    this.#attempt += 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      reconnect();
    }, delay);
    return { retryInMs: Math.round(delay), attempt: this.#attempt };
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The final error for an `onJoin` that rejected (e.g. a REGISTER the router refused). */
export function registrationFailure(error: unknown): WorkerJoinError {
  const reason = isAbError(error) ? error.error : 'registration_failed';
  const first = isAbError(error) ? error.args[0] : undefined;
  const detail = isAbError(error) ? (typeof first === 'string' ? first : JSON.stringify(first ?? null)) : String(error);
  return new WorkerJoinError(reason, `registering the worker's procedures failed: ${detail}`);
}
