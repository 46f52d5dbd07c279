/**
 * The tasks `npm run bench:tasks` runs: the shipped `date` and `sleep` (tasks/), served by `asexor
 * serve` from its default task module. `DATE_ARGV` is the exact argv a `date` task with default params
 * spawns, so the spawn ceilings run the same command as the end-to-end tasks.
 */
import date from '../../tasks/date.ts';
import sleep from '../../tasks/sleep.ts';

export const DATE_TASK = date.name;
export const SLEEP_TASK = sleep.name;
export const DATE_ARGV: readonly string[] = [date.command, ...date.args(date.params.parse({}), { filesDir: '/' })];
