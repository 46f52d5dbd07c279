/**
 * The clock a component schedules its timeouts with, injected through its options so that tests can
 * drive time by hand (test/helpers/manual-timers.ts) instead of waiting for it. `realTimers` is the
 * default everywhere: Node's own timers and wall clock.
 */

/** What `setTimeout` returned; only ever handed back to `clearTimeout` of the same `Timers`. */
export type TimerHandle = object;

export interface Timers {
  /** Run `callback` once, `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancel a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
}

export const realTimers: Timers = Object.freeze({
  setTimeout: (callback: () => void, ms: number): TimerHandle => setTimeout(callback, ms),
  clearTimeout: (handle: TimerHandle): void => { clearTimeout(handle as NodeJS.Timeout); },
  now: (): number => Date.now(),
});
