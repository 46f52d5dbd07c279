/**
 * The checks of a submission before it is accepted, the same for every task service (worker/task-api.ts):
 * the task exists (NoSuchTaskError), the caller's role may run it (TaskNotAllowedError), its params
 * validate (InvalidParamsError, shared/task-params.ts) and their counted size.
 */
import { TaskNotAllowedError } from '../shared/errors.ts';
import { parseTaskParams } from '../shared/task-params.ts';
import type { TaskDefinition } from '../shared/task.ts';
import type { Caller } from './task-lifecycle.ts';
import type { TaskRegistry } from './task-registry.ts';

/** A call that passed validation: its definition, parsed params and their counted size. */
export interface ValidCall {
  readonly def: TaskDefinition;
  readonly params: unknown;
  readonly bytes: number;
}

/** Reused by every submit (synchronous): the counted size of the params being parsed. */
const measured = { bytes: 0 };

/** Checks `caller`'s call of `task` and parses its params; throws the refusal. */
export function validateCall(registry: TaskRegistry, caller: Caller, task: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): ValidCall {
  const def = registry.require(task);
  if (!registry.mayRun(def, caller.authrole)) throw new TaskNotAllowedError(def.name, caller.authrole);
  measured.bytes = 0;
  const params: unknown = parseTaskParams(def, args, kwargs, measured);
  return { def, params, bytes: measured.bytes };
}
