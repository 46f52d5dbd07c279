/**
 * A `Timers` (shared/timers.ts) whose time moves only when the test says so: `advance(ms)` fires,
 * in order, every timer that falls due, including timers those callbacks schedule within the
 * window. Pass it where a component takes `timers` (DealerOptions, RouterOptions) to test its
 * timeouts without waiting for them.
 */
import type { TimerHandle, Timers } from '../../shared/timers.ts';

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

export class ManualTimers implements Timers {
  #now: number;
  #seq = 0;
  readonly #scheduled = new Map<TimerHandle, Scheduled>();

  /** @param start the initial `now()`, ms since the epoch */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = {};
    this.#scheduled.set(handle, { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#scheduled.delete(handle);
  }

  now(): number {
    return this.#now;
  }

  /** Timers scheduled and not yet fired or cleared. */
  get pending(): number {
    return this.#scheduled.size;
  }

  /** Move the clock `ms` forward, firing each timer due by then at its own time, earliest first. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let next = this.#due(end); next !== undefined; next = this.#due(end)) {
      this.#scheduled.delete(next[0]);
      this.#now = next[1].at;
      next[1].callback();
    }
    this.#now = end;
  }

  #due(end: number): [TimerHandle, Scheduled] | undefined {
    let first: [TimerHandle, Scheduled] | undefined;
    for (const entry of this.#scheduled) {
      const { at, seq } = entry[1];
      if (at <= end && (first === undefined || at < first[1].at || (at === first[1].at && seq < first[1].seq))) first = entry;
    }
    return first;
  }
}
