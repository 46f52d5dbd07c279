/**
 * The multi-task driver (docs/task-semantics.md):
 * the definition lists its subtasks; each is looked up, authorized for the caller's role and
 * validated like a task of its own, then run in order (`concurrency` at a time) inside the
 * multi-task's queue slot, so subtasks never wait behind newer work and cannot deadlock the queue.
 * After each subtask a `progress` event reports done/total. Every subtask's outcome is collected in
 * the `success` result; a failed subtask does not stop the others. Cancel (or the multi-task's
 * timeout) stops the running subtasks and skips the rest.
 */
import { AppError, InvalidParamsError, NoSuchTaskError, TaskDefinitionError, TaskFailedError, TaskNotAllowedError } from '../shared/errors.ts';
import { parseTaskParams } from '../shared/task-params.ts';
import { durationSeconds, taskErrorInfo, type TaskErrorInfo, type TerminalStatus } from '../shared/task-status.ts';
import { taskDefaults, type MultiTaskDefinition } from '../shared/task.ts';
import { errorTerminal, runCommand, runCustom, taskSignal, unlessAborted, type ExecDeps, type Execution, type Terminal } from './task-execute.ts';
import type { TaskRegistry } from './task-registry.ts';

/** More subtasks than this is an error (the result holds one outcome per subtask). */
export const MAX_SUBTASKS = 10_000;

/** One subtask's entry in the multi-task's result. `duration` in seconds, absent when it was refused before running. */
export interface SubtaskOutcome {
  readonly task: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: TerminalStatus;
  readonly result?: unknown;
  readonly error?: TaskErrorInfo;
  readonly duration?: number;
}

/** The `result` of a multi-task's `success` event. */
export interface MultiTaskResult {
  readonly total: number;
  readonly succeeded: number;
  /** Subtasks that ended otherwise (error, timeout, cancelled). */
  readonly failed: number;
  readonly results: readonly SubtaskOutcome[];
}

export interface MultiDeps extends ExecDeps {
  readonly registry: TaskRegistry;
  /** The caller's role: every subtask is authorized for it. */
  readonly role: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function outcomeOf(base: Pick<SubtaskOutcome, 'task' | 'params'>, end: Terminal): SubtaskOutcome {
  const duration = durationSeconds(end.durationMs);
  switch (end.status) {
    case 'success': return { ...base, status: 'success', result: end.result, duration };
    case 'error': return { ...base, status: 'error', error: end.error, duration };
    default: return { ...base, status: end.status, duration };
  }
}

/** Looks up, authorizes, validates and runs one subtask; never rejects. */
async function runSubtask(parent: string, spec: unknown, deps: MultiDeps, signal: AbortSignal): Promise<SubtaskOutcome> {
  const given = isRecord(spec) ? spec : {};
  const base = { task: String(given['task']), params: isRecord(given['params']) ? given['params'] : {} };
  try {
    const def = deps.registry.get(base.task);
    if (def === undefined) throw new NoSuchTaskError(base.task);
    if (!deps.registry.mayRun(def, deps.role)) throw new TaskNotAllowedError(def.name, deps.role);
    if (def.kind === 'multi') throw new TaskDefinitionError(`task ${JSON.stringify(parent)}`, `subtask ${JSON.stringify(def.name)} is a multi-task; multi-tasks cannot be nested`);
    if (!isRecord(given['params'])) throw new InvalidParamsError(`${def.name}: expected the subtask's params as an object`);
    const params: unknown = parseTaskParams(def, [], given['params']);
    const exec: Execution = { signal, progress: () => undefined };
    const end = def.kind === 'command' ? await runCommand(def, params, deps, exec) : await runCustom(def, params, deps, exec);
    return outcomeOf(base, end);
  } catch (error) {
    if (!(error instanceof AppError)) deps.logger.error({ err: error, task: base.task, parent }, 'subtask failed with an internal error');
    return { ...base, status: 'error', error: taskErrorInfo(error) };
  }
}

export async function runMulti(def: MultiTaskDefinition<unknown>, params: unknown, deps: MultiDeps, exec: Execution): Promise<Terminal> {
  const startedAt = performance.now();
  const elapsed = (): number => performance.now() - startedAt;
  const limits = taskSignal(exec.signal, def.timeoutMs ?? taskDefaults.timeoutMs);
  try {
    const listed = await unlessAborted(Promise.resolve().then(() => def.subtasks(params, { filesDir: deps.filesDir })), limits.signal);
    if (listed.kind === 'aborted') return { status: limits.reason() ?? 'cancelled', durationMs: elapsed() };
    if (listed.kind === 'thrown') return errorTerminal(listed.error, elapsed(), deps.logger, def.name);
    const specs: readonly unknown[] = listed.value;
    if (!Array.isArray(specs)) throw new TaskFailedError(`${def.name}: its subtasks() did not return an array`);
    if (specs.length > MAX_SUBTASKS) throw new TaskFailedError(`${def.name}: ${specs.length} subtasks, more than the ${MAX_SUBTASKS} allowed`);
    const outcomes: (SubtaskOutcome | undefined)[] = [];
    let next = 0;
    let done = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < specs.length && !limits.signal.aborted; i = next++) {
        outcomes[i] = await runSubtask(def.name, specs[i], deps, limits.signal);
        done++;
        if (!limits.signal.aborted) exec.progress(done / specs.length, `${done}/${specs.length} subtasks done`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(def.concurrency ?? taskDefaults.concurrency, specs.length) }, lane));
    const reason = limits.reason();
    if (reason !== undefined) return { status: reason, durationMs: elapsed() };
    // Nothing aborted, so every subtask ran and has its outcome.
    const results = outcomes.filter((outcome): outcome is SubtaskOutcome => outcome !== undefined);
    const succeeded = results.filter((r) => r.status === 'success').length;
    const result: MultiTaskResult = { total: results.length, succeeded, failed: results.length - succeeded, results };
    return { status: 'success', result, durationMs: elapsed() };
  } catch (error) {
    return errorTerminal(error, elapsed(), deps.logger, def.name);
  } finally {
    limits.dispose();
  }
}
