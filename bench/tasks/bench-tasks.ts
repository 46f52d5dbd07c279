/**
 * The task module of `npm run bench:tasks` (loaded through the worker's `tasksModule` setting):
 * `noop` runs `true` with its output captured, the cheapest real task there is, so the end-to-end
 * figure is about the per-task overhead of the stack around the spawn; the shipped `sleep` holds the
 * only slot of the saturated-queue server.
 */
import { z } from 'zod';
import { defineTask, type TaskDefinition } from '../../shared/task.ts';
import sleep from '../../tasks/sleep.ts';

export const NOOP_TASK = 'noop';

export const noop = defineTask({
  name: NOOP_TASK,
  description: 'Run `true` (no arguments, output captured) and succeed with no result: the benchmark task.',
  params: z.object({}),
  command: 'true',
  args: () => [],
  timeoutMs: 30_000,
  maxOutputBytes: 64 * 1024,
});

export const tasks: readonly TaskDefinition[] = [noop, sleep];
export default tasks;
