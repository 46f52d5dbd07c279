/**
 * The task module of the worker integration tests: the shipped tasks (date, sleep, convert,
 * convert_folder) plus fixtures of test/fixtures/tasks: progress (progress events), nap (prints its
 * pid, recorded in that module's `pids`), slow (300 ms timeout), admin_only, multi, exit_with.
 */
import shipped from '../../tasks/index.ts';
import { adminOnly, exitWith, multi, nap, progress, slow } from '../fixtures/tasks/index.ts';
import type { TaskDefinition } from '../../shared/task.ts';

export const tasks: readonly TaskDefinition[] = [...shipped, progress, nap, slow, adminOnly, multi, exitWith];
export default tasks;
