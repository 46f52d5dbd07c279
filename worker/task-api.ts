/**
 * What the WAMP surface (worker/worker.ts, worker/legacy-wamp-api.ts) asks of the task service, so that
 * either service can stand behind it: TaskService (worker/task-service.ts: this worker's own queue, the
 * embedded store) or StoreTaskService (worker/store/store-service.ts: the shared PostgreSQL queue that
 * every worker pulls from, docs/queue-store.md). Answers may be promises: a shared store is read over
 * the network.
 */
import type { ShutdownMode } from './task-queue.ts';
import type { TaskStatusEvent } from '../shared/task-status.ts';
import type { ActiveTaskEntry } from './task-list.ts';
import type { TaskListEntry } from './task-registry.ts';
import type { Caller, ServiceStats, Submitted, SubmitOptions } from './task-service.ts';

/** The control procedures' operations: a task service, or a cluster of workers (worker/cluster/cluster.ts). */
export interface ControlApi {
  status(caller: Caller, taskId: string): TaskStatusEvent | Promise<TaskStatusEvent>;
  cancel(caller: Caller, taskId: string): 'queued' | 'running' | Promise<'queued' | 'running'>;
  history(caller: Caller, limit?: number): TaskStatusEvent[] | Promise<TaskStatusEvent[]>;
  tasks(caller: Caller, all?: boolean): ActiveTaskEntry[] | Promise<ActiveTaskEntry[]>;
  stats(caller: Caller): ServiceStats | Promise<ServiceStats>;
}

export interface TaskApi extends ControlApi {
  /** The id every task id given out here starts with (worker/task-ids.ts). */
  readonly workerId: string;
  /** The tasks the caller's role may run, with their params' JSON Schemas. */
  list(caller: Caller): TaskListEntry[];
  /**
   * Validates and accepts a submission (after the definition's precheck, if any). Throws or rejects with
   * the refusal; nothing was accepted then. The `queued` event goes out after the id was returned.
   */
  submitChecked(caller: Caller, task: string, args?: readonly unknown[], kwargs?: Readonly<Record<string, unknown>>, options?: SubmitOptions): Submitted | Promise<Submitted>;
  /** Stops accepting, then drains or cancels this worker's tasks. */
  shutdown(mode?: ShutdownMode): Promise<void>;
}
