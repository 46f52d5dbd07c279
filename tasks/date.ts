/**
 * `date`: the current date and time in a strftime-like format, like the original's demo task
 * (docs/task-semantics.md): `date [-u] +FORMAT`, result = trimmed stdout.
 * We add the '+' ourselves, so a format can never be read as an option by `date`.
 */
import { z } from 'zod';
import { defineTask } from '../shared/task.ts';

export const MAX_FORMAT_CHARS = 200;
const FORMAT_ERROR = `expected a date format (a string of at most ${MAX_FORMAT_CHARS} characters without control characters, e.g. "%Y-%m-%d %H:%M")`;

export default defineTask({
  name: 'date',
  description: 'Print the current date and time in a strftime format (the "+" prefix is added for you), in local time or UTC.',
  params: z.object({
    // eslint-disable-next-line no-control-regex -- control characters are what it rejects
    format: z.string({ error: FORMAT_ERROR }).max(MAX_FORMAT_CHARS, { error: FORMAT_ERROR }).regex(/^[^\u0000-\u001f\u007f]*$/u, { error: FORMAT_ERROR })
      .default('%Y-%m-%d %H:%M:%S %Z')
      .describe('strftime format, without the "+" prefix'),
    utc: z.boolean().default(false).describe('print UTC instead of local time'),
  }),
  positional: ['format', 'utc'],
  command: 'date',
  args: ({ format, utc }) => (utc ? ['-u', `+${format}`] : [`+${format}`]),
  timeoutMs: 5_000,
  maxOutputBytes: 64 * 1024,
  result: ({ stdout }) => stdout.trim(),
});
