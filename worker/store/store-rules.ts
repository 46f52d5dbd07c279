/**
 * Rules of the queue stores (docs/queue-store.md): the order in which the caps are checked at
 * admission (here for the embedded store; the PostgreSQL store's `admit` function in
 * postgres-schema.ts checks in the same order, and test/integration/queue-store-equivalence.test.ts
 * holds them to it), and the events a store itself writes (queued, started, cancelled while waiting,
 * ended because the worker holding it was lost).
 */
import { QueueBytesLimitError, QueueFullError, UserQueueLimitError, WorkerLostError } from '../../shared/errors.ts';
import { durationSeconds, taskErrorInfo, type TaskStatusEvent } from '../../shared/task-status.ts';
import { isPriority, priorityMessage } from '../task-queue-options.ts';
import type { NewTask, QueueLimits } from './queue-store.ts';

/** Waiting tasks and their counted params bytes (one user's, or all users'). */
export interface Waiting {
  readonly queued: number;
  readonly bytes: number;
}

/**
 * Throws when `task` may not wait: a bad priority (TypeError); then, in the order of the task
 * service (worker/task-service.ts): the user's bytes, all bytes (QueueBytesLimitError), the user's
 * count (UserQueueLimitError), the global count (QueueFullError).
 */
export function checkAdmission(limits: QueueLimits, task: NewTask, user: Waiting, all: Waiting): void {
  if (!isPriority(task.priority)) throw new TypeError(priorityMessage('priority', task.priority));
  if (task.bytes > 0) {
    if (user.bytes + task.bytes > limits.perUserQueuedBytes) throw new QueueBytesLimitError('user', limits.perUserQueuedBytes);
    if (all.bytes + task.bytes > limits.maxQueuedBytes) throw new QueueBytesLimitError('all', limits.maxQueuedBytes);
  }
  if (user.queued >= limits.perUserMaxQueued) throw new UserQueueLimitError(task.owner, limits.perUserMaxQueued);
  if (all.queued >= limits.maxQueued) throw new QueueFullError(limits.maxQueued);
}

export function queuedEvent(taskId: string, task: string, at: Date): TaskStatusEvent {
  return { task_id: taskId, task, at: at.toISOString(), status: 'queued' };
}

export function startedEvent(taskId: string, task: string, at: Date): TaskStatusEvent {
  return { task_id: taskId, task, at: at.toISOString(), status: 'started' };
}

/** A waiting task that was cancelled: no duration (worker/task-lifecycle.ts `drop`). */
export function cancelledWaitingEvent(taskId: string, task: string, at: Date): TaskStatusEvent {
  return { task_id: taskId, task, at: at.toISOString(), status: 'cancelled' };
}

/**
 * The end of a running task whose worker stopped renewing its lease and that is not run again: `cancelled`
 * when a cancel had been asked for, else `error` ERR_WORKER_LOST; timed from its start.
 */
export function abandonedEvent(taskId: string, task: string, worker: string, startedAt: string, cancelRequested: boolean, now: Date): TaskStatusEvent {
  const duration = durationSeconds(Math.max(0, now.getTime() - Date.parse(startedAt)));
  const at = now.toISOString();
  if (cancelRequested) return { task_id: taskId, task, at, status: 'cancelled', duration };
  return { task_id: taskId, task, at, status: 'error', error: taskErrorInfo(new WorkerLostError(worker)), duration };
}
