/**
 * Synchronising tests on conditions instead of fixed sleeps (docs/testing.md): `waitFor` polls a
 * condition that an event elsewhere (another process, a socket) makes true; `logFlushed` waits for
 * a recording logger's lines; `expectNothingWithin` is the one deliberate wait, for tests that
 * assert something does NOT happen.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Level } from 'pino';
import type { Logger } from '../../shared/logger.ts';

const POLL_MS = 5;

/** Resolves once `condition()` holds; rejects naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what = 'condition', timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await delay(POLL_MS);
  }
}

const FLUSH_MESSAGE = 'test: log flushed';
let flushes = 0;

/**
 * Writes a marker through `logger` (at its own level, so it is never filtered out) and resolves once
 * the marker reached `lines`, the parsed lines of test/helpers/recording-logger.ts: every line logged
 * before it has arrived too. The marker is taken out of `lines` again.
 */
export async function logFlushed(logger: Logger, lines: Record<string, unknown>[]): Promise<void> {
  const flush = ++flushes;
  logger[logger.level as Level]({ flush }, FLUSH_MESSAGE);
  await waitFor(() => lines.some((line) => line['flush'] === flush), 'the log marker');
  lines.splice(lines.findIndex((line) => line['flush'] === flush), 1);
}

/**
 * Waits `ms` so that something that should not happen gets the chance to; the caller asserts
 * afterwards that it did not. Keep `ms` short: it is paid on every run.
 */
export function expectNothingWithin(ms: number): Promise<void> {
  if (ms > 500) throw new RangeError(`expectNothingWithin(${ms}): keep negative checks under 500 ms`);
  return delay(ms);
}
