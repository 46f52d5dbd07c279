/**
 * The tasks that ship, listed explicitly (docs/conventions.md: no directory scanning). A config may name
 * another module instead; it must export an array of definitions the same way (default or `tasks`).
 */
import type { TaskDefinition } from '../shared/task.ts';
import convertFolder from './convert-folder.ts';
import convert from './convert.ts';
import date from './date.ts';
import sleep from './sleep.ts';

export const tasks: readonly TaskDefinition[] = [date, sleep, convert, convertFolder];
export default tasks;
