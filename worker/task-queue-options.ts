/**
 * Options of the task queue: defaults in one literal, validation in the style of p-queue (the message
 * names the option, the value and its type), resolved once and frozen (docs/conventions.md).
 */
import { availableParallelism } from 'node:os';
import { ConfigInvalidError } from '../shared/errors.ts';
import { silentLogger, type Logger } from '../shared/logger.ts';

/** Priorities: a lower number runs first (docs/task-semantics.md: MAX 0, NORMAL 4, MIN 9). */
export const Priority = { highest: 0, normal: 4, lowest: 9 } as const;

export interface PerUserLimits {
  /** Waiting (accepted, not started) tasks of one user; beyond it submit throws UserQueueLimitError. @default 1000 */
  readonly maxQueued?: number;
  /** Running tasks of one user. A user at the limit waits; other users' tasks still start. @default concurrency */
  readonly maxRunning?: number;
}

export interface TaskQueueOptions {
  /** Tasks running at the same time, all users together. @default os.availableParallelism() */
  readonly concurrency?: number;
  /** Waiting tasks, all users together; beyond it submit throws QueueFullError at once. @default 10_000 */
  readonly maxQueued?: number;
  readonly perUser?: PerUserLimits;
  /** Role → priority (integers 0..9). Roles not listed get `defaultPriority`. @default {} */
  readonly rolePriority?: Readonly<Record<string, number>>;
  /** @default 4 */
  readonly defaultPriority?: number;
  /** @default silentLogger() */
  readonly logger?: Logger;
}

export interface ResolvedTaskQueueOptions {
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly perUserMaxQueued: number;
  readonly perUserMaxRunning: number;
  readonly rolePriority: ReadonlyMap<string, number>;
  readonly defaultPriority: number;
  readonly logger: Logger;
}

export const taskQueueDefaults = {
  maxQueued: 10_000,
  perUserMaxQueued: 1000,
  defaultPriority: Priority.normal,
} as const;

function shown(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

/** An integer from 1 up; `Infinity` too when `allowInfinity` (p-queue's rule for limits). */
function checkLimit(name: string, value: unknown, allowInfinity: boolean): number {
  const ok = typeof value === 'number' && value >= 1 && (Number.isInteger(value) || (allowInfinity && value === Infinity));
  if (!ok) {
    const expected = allowInfinity ? 'an integer from 1 and up or `Infinity`' : 'an integer from 1 and up';
    throw new ConfigInvalidError(`Expected \`${name}\` to be ${expected}, got ${shown(value)}`);
  }
  return value;
}

/** True for the ten valid priorities, the integers 0..9. */
export function isPriority(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= Priority.highest && value <= Priority.lowest;
}

/** The p-queue style message for a value that is not a priority; `name` is the option or field. */
export function priorityMessage(name: string, value: unknown): string {
  return `Expected \`${name}\` to be an integer from ${Priority.highest} to ${Priority.lowest}, got ${shown(value)}`;
}

function checkPriority(name: string, value: unknown): number {
  if (!isPriority(value)) throw new ConfigInvalidError(priorityMessage(name, value));
  return value;
}

export function resolveTaskQueueOptions(input: TaskQueueOptions = {}): ResolvedTaskQueueOptions {
  const concurrency = checkLimit('concurrency', input.concurrency ?? availableParallelism(), false);
  const perUser = input.perUser ?? {};
  const rolePriority = new Map<string, number>();
  for (const [role, priority] of Object.entries(input.rolePriority ?? {})) {
    rolePriority.set(role, checkPriority(`rolePriority.${role}`, priority));
  }
  return Object.freeze({
    concurrency,
    maxQueued: checkLimit('maxQueued', input.maxQueued ?? taskQueueDefaults.maxQueued, true),
    perUserMaxQueued: checkLimit('perUser.maxQueued', perUser.maxQueued ?? taskQueueDefaults.perUserMaxQueued, true),
    perUserMaxRunning: checkLimit('perUser.maxRunning', perUser.maxRunning ?? concurrency, true),
    rolePriority,
    defaultPriority: checkPriority('defaultPriority', input.defaultPriority ?? taskQueueDefaults.defaultPriority),
    logger: input.logger ?? silentLogger(),
  });
}
