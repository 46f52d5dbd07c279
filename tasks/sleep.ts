/**
 * `sleep`: waits `seconds` (0 included, fractions allowed, at most an hour); result null. Unlike the
 * original (docs/task-semantics.md), 0 is passed on as "0" rather than dropped.
 */
import { z } from 'zod';
import { defineTask } from '../shared/task.ts';

export const MAX_SLEEP_SECONDS = 3600;

/** 1 → "1", 0.5 → "0.5", 1e-7 → "0": at most millisecond precision, never exponent notation. */
export function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3).replace(/\.?0+$/u, '');
}

export default defineTask({
  name: 'sleep',
  description: `Wait for a number of seconds (0 to ${MAX_SLEEP_SECONDS}, fractions allowed), then succeed with no result.`,
  params: z.object({
    seconds: z.number().min(0).max(MAX_SLEEP_SECONDS).describe('how long to wait, in seconds'),
  }),
  positional: ['seconds'],
  command: 'sleep',
  args: ({ seconds }) => [formatSeconds(seconds)],
  timeoutMs: (MAX_SLEEP_SECONDS + 60) * 1000,
  maxOutputBytes: 64 * 1024,
  result: () => null,
});
