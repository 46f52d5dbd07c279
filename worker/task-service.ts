/**
 * The WAMP-agnostic task service: validates and enqueues submissions,
 * runs them (task-lifecycle.ts) and delivers their status events to a StatusSink, answers status,
 * cancel, history, list and stats. Visibility: a user sees only their own tasks; another user's task
 * id gets the same NoSuchTaskIdError as an unknown one; admin roles see every task.
 * Reply before update (docs/task-semantics.md): events are delivered from a later macrotask
 * (setImmediate) than the submit that returned the id, so the reply to the call goes out first; the
 * history records them at once, so status() right after submit already answers `queued`.
 */
import { AdminRoleRequiredError, ShuttingDownError, TaskAlreadyFinishedError, NoSuchTaskIdError, TaskNotAllowedError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { parseTaskParams } from '../shared/task-params.ts';
import { isTerminal, type TaskStatusEvent } from '../shared/task-status.ts';
import { TaskHistory } from './task-history.ts';
import { newTaskId } from './task-ids.ts';
import { ActiveTasks, type ActiveTaskEntry } from './task-list.ts';
import { TaskLifecycle, type Caller, type LifecycleEnv } from './task-lifecycle.ts';
import type { ShutdownMode, TaskQueue, TaskQueueStats } from './task-queue.ts';
import type { TaskListEntry, TaskRegistry } from './task-registry.ts';
import type { TaskRunner } from './task-runner.ts';

export type { Caller } from './task-lifecycle.ts';
export { terminalError } from './task-lifecycle.ts';

/** Where status events go (the WAMP publisher implements it: the owner's status topic). */
export interface StatusSink {
  publish(owner: Caller, event: TaskStatusEvent): void;
}

export interface TaskServiceOptions {
  readonly registry: TaskRegistry;
  readonly queue: TaskQueue;
  readonly runner: TaskRunner;
  readonly sink: StatusSink;
  /** The files folder, absolute (TaskContext.filesDir). */
  readonly filesDir: string;
  /** Roles that see and cancel every user's tasks. @default ['admin'] */
  readonly adminRoles?: readonly string[];
  /** Finished tasks kept per user for status and history. @default 100 */
  readonly historyPerUser?: number;
  /** Finished tasks kept over all users. @default 10_000 */
  readonly historyMax?: number;
  readonly logger: Logger;
  /** Clock of the events' `at`. @default () => new Date() */
  readonly now?: () => Date;
}

export interface SubmitOptions {
  /** Receives every event of this task (progressive results), after the sink. */
  readonly onEvent?: (event: TaskStatusEvent) => void;
}

export interface Submitted {
  readonly taskId: string;
  /** Resolves with the terminal event; never rejects. */
  readonly done: Promise<TaskStatusEvent>;
}

/** `done` is created on first use (only progressive calls wait for it). */
class SubmittedTask implements Submitted {
  readonly #task: TaskLifecycle;
  constructor(task: TaskLifecycle) {
    this.#task = task;
  }
  get taskId(): string {
    return this.#task.id;
  }
  get done(): Promise<TaskStatusEvent> {
    return this.#task.done;
  }
}

export type ServiceStats = Omit<TaskQueueStats, 'users' | 'maxQueued'> & Partial<Pick<TaskQueueStats, 'users' | 'maxQueued'>>;

export class TaskService {
  readonly #registry: TaskRegistry;
  readonly #queue: TaskQueue;
  readonly #sink: StatusSink;
  readonly #log: Logger;
  readonly #adminRoles: ReadonlySet<string>;
  readonly #history: TaskHistory;
  /** Queued and running tasks, for `tasks()`. */
  readonly #active = new ActiveTasks();
  readonly #env: LifecycleEnv;
  /** Accepted tasks whose terminal event was not delivered yet, and who waits for none to be left. */
  #open = 0;
  #allDelivered: (() => void)[] = [];
  readonly #listeners = new WeakMap<TaskLifecycle, (event: TaskStatusEvent) => void>();
  /** Events of tasks whose `queued` event has not been delivered yet, in order. */
  readonly #unflushed = new Map<TaskLifecycle, TaskStatusEvent[]>();
  #flushScheduled = false;
  #closing = false;

  constructor(options: TaskServiceOptions) {
    this.#registry = options.registry;
    this.#queue = options.queue;
    this.#sink = options.sink;
    this.#log = options.logger.child({ component: 'task-service' });
    this.#adminRoles = new Set(options.adminRoles ?? ['admin']);
    this.#history = new TaskHistory({
      ...(options.historyPerUser === undefined ? {} : { perUser: options.historyPerUser }),
      ...(options.historyMax === undefined ? {} : { maxFinished: options.historyMax }),
    });
    this.#env = {
      deps: { runner: options.runner, filesDir: options.filesDir, logger: this.#log, registry: options.registry },
      now: options.now ?? (() => new Date()),
      emit: (task, event) => { this.#emit(task, event); },
    };
    this.#queue.on('cancelled', (job) => { if (job instanceof TaskLifecycle) job.drop(); });
  }

  /**
   * Validates (NoSuchTaskError, TaskNotAllowedError, InvalidParamsError), enqueues (QueueFullError,
   * UserQueueLimitError, ShuttingDownError) and returns the id; throws synchronously, and then nothing
   * was queued. The `queued` event is delivered after this returns.
   */
  submit(caller: Caller, task: string, args: readonly unknown[] = [], kwargs: Readonly<Record<string, unknown>> = {}, options: SubmitOptions = {}): Submitted {
    if (this.#closing) throw new ShuttingDownError();
    const def = this.#registry.require(task);
    if (!this.#registry.mayRun(def, caller.authrole)) throw new TaskNotAllowedError(def.name, caller.authrole);
    const params: unknown = parseTaskParams(def, args, kwargs);
    const lifecycle = new TaskLifecycle(newTaskId(), caller, this.#queue.priorityFor(caller.authrole), def, params, this.#env);
    this.#queue.submit(lifecycle);
    this.#open += 1;
    if (options.onEvent !== undefined) this.#listeners.set(lifecycle, options.onEvent);
    const queued = lifecycle.queuedEvent();
    this.#history.add(caller.authid, queued);
    this.#active.track(lifecycle, queued);
    this.#unflushed.set(lifecycle, [queued]);
    this.#scheduleFlush();
    return new SubmittedTask(lifecycle);
  }

  /** The tasks the caller's role may run, with their params' JSON Schemas. */
  list(caller: Caller): TaskListEntry[] {
    return this.#registry.list(caller.authrole);
  }

  /** The latest event of a task the caller may see; NoSuchTaskIdError otherwise. */
  status(caller: Caller, taskId: string): TaskStatusEvent {
    return this.#visible(caller, taskId).event;
  }

  /** Cancels a queued or running task the caller may see; TaskAlreadyFinishedError once it ended. */
  cancel(caller: Caller, taskId: string): 'queued' | 'running' {
    const { event } = this.#visible(caller, taskId);
    if (isTerminal(event.status)) throw new TaskAlreadyFinishedError(taskId, event.status);
    const where = this.#queue.cancel(taskId);
    if (where !== false) return where;
    // Already being cancelled (a second cancel before the end): report where it is.
    return this.#queue.stateOf(taskId) === 'queued' ? 'queued' : 'running';
  }

  /** The caller's recent tasks (latest event each), newest first. */
  history(caller: Caller, limit: number = this.#history.perUser): TaskStatusEvent[] {
    return this.#history.recent(caller.authid, Number.isInteger(limit) ? limit : this.#history.perUser);
  }

  /**
   * The caller's queued and running tasks (every user's with `all`, admin roles only:
   * AdminRoleRequiredError otherwise): running first by start, then waiting in queue order, at most
   * MAX_TASK_LIST (worker/task-list.ts).
   */
  tasks(caller: Caller, all = false): ActiveTaskEntry[] {
    if (all && !this.#isAdmin(caller)) throw new AdminRoleRequiredError('listing every user\'s tasks (all: true)', caller.authrole);
    return this.#active.list(all ? undefined : caller.authid);
  }

  /** Queue counts; the number of users and the cap only for admins. */
  stats(caller: Caller): ServiceStats {
    const { users, maxQueued, ...counts } = this.#queue.stats();
    return this.#isAdmin(caller) ? { ...counts, users, maxQueued } : counts;
  }

  /**
   * Stops accepting, then `drain` (every accepted task runs) or `cancel` (queued and running tasks are
   * cancelled); resolves once every accepted task's terminal event was delivered. Does not close the runner.
   */
  async shutdown(mode: ShutdownMode = 'drain'): Promise<void> {
    this.#closing = true;
    await this.#queue.shutdown(mode);
    this.#flush();
    if (this.#open > 0) await new Promise<void>((resolve) => { this.#allDelivered.push(resolve); });
  }

  #visible(caller: Caller, taskId: string): { owner: string; event: TaskStatusEvent } {
    const entry = this.#history.get(taskId);
    if (entry === undefined || (entry.owner !== caller.authid && !this.#isAdmin(caller))) throw new NoSuchTaskIdError(taskId);
    return entry;
  }

  #isAdmin(caller: Caller): boolean {
    return this.#adminRoles.has(caller.authrole);
  }

  #emit(task: TaskLifecycle, event: TaskStatusEvent): void {
    this.#history.update(event);
    this.#active.track(task, event);
    const pending = this.#unflushed.get(task);
    if (pending === undefined) this.#deliver(task, event);
    else pending.push(event);
  }

  #deliver(task: TaskLifecycle, event: TaskStatusEvent): void {
    try {
      this.#sink.publish(task.caller, event);
    } catch (error) {
      this.#log.error({ err: error, taskId: task.id }, 'status sink threw');
    }
    const listener = this.#listeners.get(task);
    if (listener !== undefined) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error({ err: error, taskId: task.id }, 'task event listener threw');
      }
    }
    if (!isTerminal(event.status)) return;
    this.#listeners.delete(task);
    task.delivered(event);
    this.#open -= 1;
    if (this.#open > 0 || this.#allDelivered.length === 0) return;
    const waiters = this.#allDelivered;
    this.#allDelivered = [];
    for (const resolve of waiters) resolve();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => { this.#flush(); });
  }

  /** Delivers the held events of the tasks waiting now; events added meanwhile keep their order. */
  #flush(): void {
    this.#flushScheduled = false;
    for (const task of [...this.#unflushed.keys()]) {
      const events = this.#unflushed.get(task) ?? [];
      for (let i = 0; i < events.length; i++) this.#deliver(task, events[i] as TaskStatusEvent);
      this.#unflushed.delete(task);
    }
  }
}
