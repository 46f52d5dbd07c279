/**
 * One log line per interval for an event that a client can repeat at will (a refused upgrade, a
 * connection over the limit): the first occurrence is logged at once, later ones are counted and
 * the count goes into the next line (docs/fairness-and-abuse.md).
 */
import type { Logger } from '../../shared/logger.ts';

export class LogLimiter {
  readonly #intervalMs: number;
  readonly #clock: () => number;
  #loggedAt = -Infinity;
  #count = 0;

  constructor(intervalMs = 60_000, clock: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  /** Counts one occurrence; writes `message` at warn with `fields` and `occurrences` (since the previous line) when due. */
  warn(log: Logger, fields: Readonly<Record<string, unknown>>, message: string): void {
    this.#count++;
    const now = this.#clock();
    if (now - this.#loggedAt < this.#intervalMs) return;
    log.warn({ ...fields, occurrences: this.#count }, message);
    this.#loggedAt = now;
    this.#count = 0;
  }
}
