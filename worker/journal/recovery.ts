/**
 * What a restart does with the journal (docs/durability.md), as a plan the task service applies:
 * - finished tasks go back into the history as they were;
 * - queued tasks are queued again, in submission order (the queue then orders by priority, FIFO),
 *   under their ids and owners, with their params validated again against today's definition;
 * - tasks that were running end with `error` ERR_WORKER_RESTARTED, unless their definition says
 *   `rerunOnRestart` (shared/task.ts): those are queued again like the others;
 * - a task that cannot be queued again (its definition is gone, its params no longer validate, its
 *   owner's role may no longer run it) ends with `error` and that error's code.
 */
import { AppError, TaskNotAllowedError, WorkerRestartedError } from '../../shared/errors.ts';
import { parseTaskParams } from '../../shared/task-params.ts';
import { durationSeconds, taskErrorInfo, type TaskStatusEvent } from '../../shared/task-status.ts';
import type { TaskDefinition } from '../../shared/task.ts';
import type { TaskRegistry } from '../task-registry.ts';
import type { LoadedJournal, StoredTask } from './journal-types.ts';

export interface Requeue {
  readonly stored: StoredTask;
  readonly def: TaskDefinition;
  readonly params: unknown;
}

export interface Ended {
  readonly stored: StoredTask;
  /** The terminal `error` event to record. */
  readonly event: TaskStatusEvent;
}

export interface RecoveryPlan {
  readonly finished: readonly StoredTask[];
  /** In the queue's order: priority, then submission order. */
  readonly requeue: readonly Requeue[];
  readonly ended: readonly Ended[];
}

/** The terminal `error` event of a journaled task that cannot run again (the error's code and message). */
export function endedEvent(stored: StoredTask, error: unknown, now: Date): TaskStatusEvent {
  // A task that had started: the time from its start to this restart (the downtime included).
  const durationMs = stored.state === 'running' ? Math.max(0, now.getTime() - Date.parse(stored.event.at)) : 0;
  return { task_id: stored.id, task: stored.task, at: now.toISOString(), status: 'error', error: taskErrorInfo(error), duration: durationSeconds(durationMs) };
}

/**
 * The definition and params of a stored call (`input`: the JSON of `[args, kwargs]` as submitted),
 * validated again against today's definitions: a task queued before a restart, or claimed from the
 * shared queue (worker/store/store-service.ts) by a worker whose definitions may differ. Throws the
 * AppError it cannot run for (NoSuchTaskError, TaskNotAllowedError, InvalidParamsError).
 */
export function parseStoredCall(stored: Pick<StoredTask, 'task' | 'role' | 'input'>, registry: TaskRegistry): { def: TaskDefinition; params: unknown } {
  const def = registry.require(stored.task);
  if (!registry.mayRun(def, stored.role)) throw new TaskNotAllowedError(def.name, stored.role);
  const [args, kwargs] = JSON.parse(stored.input) as [unknown[], Record<string, unknown>];
  return { def, params: parseTaskParams(def, args, kwargs) };
}

/** The definition and params to queue `stored` again with; throws the AppError it cannot be queued for. */
function prepare(stored: StoredTask, registry: TaskRegistry): Requeue {
  return { stored, ...parseStoredCall(stored, registry) };
}

export function planRecovery(loaded: LoadedJournal, registry: TaskRegistry, now: Date): RecoveryPlan {
  const requeue: Requeue[] = [];
  const ended: Ended[] = [];
  for (const stored of loaded.active) {
    try {
      if (stored.state === 'running' && registry.get(stored.task)?.rerunOnRestart !== true) throw new WorkerRestartedError();
      requeue.push(prepare(stored, registry));
    } catch (error) {
      ended.push({ stored, event: endedEvent(stored, error instanceof AppError ? error : new WorkerRestartedError('the task could not be queued again after a restart (see the worker log)'), now) });
    }
  }
  // Into the queue in the order it takes them: a free slot goes to the first one submitted.
  requeue.sort((a, b) => a.stored.priority - b.stored.priority || a.stored.seq - b.stored.seq);
  return { finished: loaded.finished, requeue, ended };
}
