/**
 * Synchronising tests on conditions instead of fixed sleeps (docs/testing.md): `waitFor` polls a
 * condition that an event elsewhere (another process, a socket) makes true; `expectNothingWithin`
 * is the one deliberate wait, for tests that assert something does NOT happen.
 */
import { setTimeout as delay } from 'node:timers/promises';

const POLL_MS = 5;

/** Resolves once `condition()` holds; rejects naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what = 'condition', timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await delay(POLL_MS);
  }
}

/**
 * Waits `ms` so that something that should not happen gets the chance to; the caller asserts
 * afterwards that it did not. Keep `ms` short: it is paid on every run.
 */
export function expectNothingWithin(ms: number): Promise<void> {
  if (ms > 500) throw new RangeError(`expectNothingWithin(${ms}): keep negative checks under 500 ms`);
  return delay(ms).then(() => undefined);
}
