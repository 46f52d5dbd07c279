/**
 * Task definitions for test/integration/process-limits.test.ts. Each sleeps `tag` seconds: a number
 * unique to the test, so that the test finds the task's processes by their command line.
 */
import { z } from 'zod';
import { defineTask, type TaskDefinition } from '../../shared/task.ts';

const params = z.object({ tag: z.number().int().min(1000) });

/** A process in a session of its own keeps stdout open while the first one sleeps. */
export const escape = defineTask({
  name: 'escape',
  description: 'bash -c "setsid sleep TAG & sleep TAG"',
  params,
  positional: ['tag'],
  command: 'bash',
  args: ({ tag }) => ['-c', `setsid sleep ${String(tag)} & sleep ${String(tag)}`],
});

export const escapeTimeout = defineTask({
  ...escape,
  name: 'escape_timeout',
  description: 'escape with a 500 ms timeout',
  timeoutMs: 500,
});

export const snooze = defineTask({
  name: 'snooze',
  description: 'sleep TAG (an ordinary long task)',
  params,
  positional: ['tag'],
  command: 'sleep',
  args: ({ tag }) => [String(tag)],
});

export const tasks: readonly TaskDefinition[] = [escape, escapeTimeout, snooze];
export default tasks;
