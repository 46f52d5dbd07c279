/**
 * The task module of `npm run bench:tasks` (loaded through the worker's `tasksModule` setting): the
 * shipped `date` and `sleep` definitions, unchanged. `DATE_ARGV` is the exact argv a `date` task with
 * default params spawns, so the spawn ceilings run the same command as the end-to-end tasks.
 */
import type { TaskDefinition } from '../../shared/task.ts';
import date from '../../tasks/date.ts';
import sleep from '../../tasks/sleep.ts';

export const DATE_TASK = date.name;
export const SLEEP_TASK = sleep.name;
export const DATE_ARGV: readonly string[] = [date.command, ...date.args(date.params.parse({}), { filesDir: '/' })];

export const tasks: readonly TaskDefinition[] = [date, sleep];
export default tasks;
