/**
 * The task registry: the definitions a worker serves, checked once at start-up. A bad definition
 * (name, schema, positional list, limits, callbacks) or a duplicate name stops the start with a
 * TaskDefinitionError naming the task and the field. Definitions come from a module whose default
 * export (or `tasks` export) is an array: tasks/index.ts unless the config names another module.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configDefaults } from '../shared/config/defaults.ts';
import { describeValue } from '../shared/config/issues.ts';
import { NoSuchTaskError, TaskDefinitionError } from '../shared/errors.ts';
import type { TaskDefinition, TaskKind } from '../shared/task.ts';
import { paramNames, paramsJsonSchema } from '../shared/task-params.ts';

export const DEFAULT_TASK_MODULE = fileURLToPath(new URL('../tasks/index.ts', import.meta.url));
export const TASK_NAME = /^[a-z][a-z0-9_]*$/;
export const MAX_TASK_NAME_CHARS = 64;
/** setTimeout's limit. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface TaskRegistryOptions {
  /** The role that sees no task without an explicit `roles` list. @default configDefaults.anonymousRole ('anonymous') */
  readonly anonymousRole?: string;
}

/** One task as `asexor.control.list` shows it. */
export interface TaskListEntry {
  readonly name: string;
  readonly kind: TaskKind;
  readonly description: string;
  readonly positional: readonly string[];
  /** JSON Schema of the params (shared/task-params.ts `paramsJsonSchema`). */
  readonly params: object;
}

type Check = (value: unknown) => string | undefined;
const isFunction: Check = (v) => (typeof v === 'function' ? undefined : 'expected a function');
const positiveInt = (max: number): Check => (v) =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max ? undefined : `expected an integer from 1 to ${max}`);
const stringList: Check = (v) =>
  (Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '') ? undefined : 'expected an array of non-empty strings');

/** Optional fields per kind, with their checks; required ones are checked in `checkDefinition`. */
const OPTIONAL_FIELDS: Readonly<Record<TaskKind, Readonly<Record<string, Check>>>> = {
  command: {
    check: isFunction, result: isFunction, progress: isFunction,
    maxOutputBytes: positiveInt(Number.MAX_SAFE_INTEGER),
    cwd: (v) => (typeof v === 'string' || typeof v === 'function' ? undefined : 'expected a string or a function'),
    env: (v) => (typeof v === 'object' && v !== null && Object.values(v).every((s) => typeof s === 'string')
      ? undefined : 'expected an object of strings'),
  },
  custom: {},
  multi: { concurrency: positiveInt(1024) },
};
const REQUIRED_FUNCTIONS: Readonly<Record<TaskKind, readonly string[]>> = {
  command: ['args'], custom: ['run'], multi: ['subtasks'],
};

function fail(subject: string, field: string, problem: string, value: unknown): never {
  throw new TaskDefinitionError(subject, `${field}: ${problem}, got ${describeValue(value, [field])}`);
}

/** Checks one definition (the `index`-th of its list); returns it typed or throws TaskDefinitionError. */
export function checkDefinition(value: unknown, index: number): TaskDefinition {
  if (typeof value !== 'object' || value === null) {
    throw new TaskDefinitionError(`task #${index + 1}`, `expected a task definition (defineTask, defineCustomTask or defineMultiTask), got ${describeValue(value, [])}`);
  }
  const def = value as Record<string, unknown>;
  const { name, kind } = def;
  const subject = typeof name === 'string' && name !== '' ? `task ${JSON.stringify(name)}` : `task #${index + 1}`;
  if (typeof name !== 'string' || !TASK_NAME.test(name) || name.length > MAX_TASK_NAME_CHARS) {
    fail(subject, 'name', `expected snake_case [a-z][a-z0-9_]* of at most ${MAX_TASK_NAME_CHARS} characters`, name);
  }
  if (kind !== 'command' && kind !== 'custom' && kind !== 'multi') fail(subject, 'kind', "expected 'command', 'custom' or 'multi'", kind);
  if (typeof def['description'] !== 'string' || def['description'].trim() === '') fail(subject, 'description', 'expected a non-empty string', def['description']);
  if (!(def['params'] instanceof z.ZodObject)) fail(subject, 'params', 'expected a zod object schema (z.object({...}))', def['params']);
  const checked = def as unknown as TaskDefinition;
  const names = paramNames(checked);
  const positional = def['positional'];
  if (positional !== undefined) {
    if (stringList(positional) !== undefined) fail(subject, 'positional', 'expected an array of param names', positional);
    const list = positional as readonly string[];
    const unknown = list.find((p) => !names.has(p));
    if (unknown !== undefined) {
      throw new TaskDefinitionError(subject, `positional: ${JSON.stringify(unknown)} is not a param (params: ${[...names].join(', ') || 'none'})`);
    }
    if (new Set(list).size !== list.length) fail(subject, 'positional', 'expected each param at most once', positional);
  }
  if (def['roles'] !== undefined && stringList(def['roles']) !== undefined) fail(subject, 'roles', 'expected an array of role names', def['roles']);
  for (const [field, max] of [['timeoutMs', MAX_TIMEOUT_MS], ['maxParamsBytes', Number.MAX_SAFE_INTEGER]] as const) {
    const problem = def[field] === undefined ? undefined : positiveInt(max)(def[field]);
    if (problem !== undefined) fail(subject, field, problem, def[field]);
  }
  if (kind === 'command' && (typeof def['command'] !== 'string' || def['command'] === '' || def['command'].includes('\0'))) {
    fail(subject, 'command', 'expected a program name or path (a non-empty string)', def['command']);
  }
  if (def['precheck'] !== undefined && typeof def['precheck'] !== 'function') fail(subject, 'precheck', 'expected a function', def['precheck']);
  for (const field of REQUIRED_FUNCTIONS[kind]) {
    if (typeof def[field] !== 'function') fail(subject, field, 'expected a function', def[field]);
  }
  for (const [field, check] of Object.entries(OPTIONAL_FIELDS[kind])) {
    const problem = def[field] === undefined ? undefined : check(def[field]);
    if (problem !== undefined) fail(subject, field, problem, def[field]);
  }
  try {
    paramsJsonSchema(checked); // computed (and cached) now: control.list must not fail later
  } catch (error) {
    throw new TaskDefinitionError(subject, 'params: cannot be described as JSON Schema', { cause: error });
  }
  return checked;
}

export class TaskRegistry implements Iterable<TaskDefinition> {
  readonly #tasks: ReadonlyMap<string, TaskDefinition>;
  readonly #anonymousRole: string;

  private constructor(tasks: ReadonlyMap<string, TaskDefinition>, options: TaskRegistryOptions) {
    this.#tasks = tasks;
    this.#anonymousRole = options.anonymousRole ?? configDefaults.anonymousRole;
  }

  /** Checks every definition; throws TaskDefinitionError on the first bad one or duplicate name. */
  static create(definitions: readonly unknown[], options: TaskRegistryOptions = {}): TaskRegistry {
    const tasks = new Map<string, TaskDefinition>();
    const positions = new Map<string, number>();
    definitions.forEach((value, index) => {
      const def = checkDefinition(value, index);
      const first = positions.get(def.name);
      if (first !== undefined) {
        throw new TaskDefinitionError(`task ${JSON.stringify(def.name)}`, `defined twice (definitions #${first + 1} and #${index + 1}); task names must be unique`);
      }
      positions.set(def.name, index);
      tasks.set(def.name, def);
    });
    return new TaskRegistry(tasks, options);
  }

  get size(): number {
    return this.#tasks.size;
  }

  get(name: string): TaskDefinition | undefined {
    return this.#tasks.get(name);
  }

  /** The task named `name`; throws NoSuchTaskError. */
  require(name: string): TaskDefinition {
    const def = this.#tasks.get(name);
    if (def === undefined) throw new NoSuchTaskError(name);
    return def;
  }

  /** Whether `role` may see and run `def`: listed in `roles`, or any role but the anonymous one when unset. */
  mayRun(def: TaskDefinition, role: string): boolean {
    return def.roles === undefined ? role !== this.#anonymousRole : def.roles.includes(role);
  }

  /** The definitions `role` may see and run, in registration order. */
  visibleTo(role: string): TaskDefinition[] {
    return [...this.#tasks.values()].filter((def) => this.mayRun(def, role));
  }

  /** `asexor.control.list` for `role`. */
  list(role: string): TaskListEntry[] {
    return this.visibleTo(role).map((def) => ({
      name: def.name,
      kind: def.kind,
      description: def.description,
      positional: def.positional ?? [],
      params: paramsJsonSchema(def),
    }));
  }

  [Symbol.iterator](): Iterator<TaskDefinition> {
    return this.#tasks.values();
  }
}

/**
 * Imports a task module (a path, relative to the working directory, or a file: URL) and returns its
 * default export, or else its `tasks` export, which must be an array (checked by TaskRegistry.create).
 */
export async function loadTaskModule(modulePath: string): Promise<readonly unknown[]> {
  const subject = `task module ${JSON.stringify(modulePath)}`;
  const url = modulePath.startsWith('file:') ? modulePath : pathToFileURL(path.resolve(modulePath)).href;
  let mod: Record<string, unknown>;
  try {
    mod = await import(url) as Record<string, unknown>;
  } catch (error) {
    throw new TaskDefinitionError(subject, `cannot be imported: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const list = mod['default'] ?? mod['tasks'];
  if (!Array.isArray(list)) {
    throw new TaskDefinitionError(subject, `expected a default export or a \`tasks\` export that is an array of task definitions, got ${describeValue(list, [])}`);
  }
  return list as readonly unknown[];
}

/**
 * The registry of a task module: tasks/index.ts by default. A bad definition is reported with the
 * module's path, the task and the field: `task module "/srv/tasks.ts": task "x": timeoutMs: …`.
 */
export async function loadTaskRegistry(modulePath: string = DEFAULT_TASK_MODULE, options: TaskRegistryOptions = {}): Promise<TaskRegistry> {
  const list = await loadTaskModule(modulePath);
  try {
    return TaskRegistry.create(list, options);
  } catch (error) {
    if (error instanceof TaskDefinitionError) throw new TaskDefinitionError(`task module ${JSON.stringify(modulePath)}`, error.message, { cause: error });
    throw error;
  }
}
