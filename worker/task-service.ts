/**
 * The WAMP-agnostic task service: validates and enqueues submissions,
 * runs them (task-lifecycle.ts) and delivers their status events to a StatusSink, answers status,
 * cancel, history, list and stats. Visibility: a user sees only their own tasks; another user's task
 * id gets the same NoSuchTaskIdError as an unknown one; admin roles see every task.
 * Reply before update (docs/task-semantics.md): events are delivered from a later macrotask
 * (setImmediate) than the submit that returned the id, so the reply to the call goes out first; the
 * history records them at once, so status() right after submit already answers `queued`.
 * With a journal (worker/journal/, docs/durability.md) every submission, start and end is written in
 * the batch of its event-loop turn; the reply (`Submitted.committed`) and every event of that turn
 * wait for the batch's commit, and the events still go out a macrotask after the replies.
 */
import { AdminRoleRequiredError, QueueBytesLimitError, ShuttingDownError, TaskAlreadyFinishedError, NoSuchTaskIdError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { precheckTaskParams } from '../shared/task-params.ts';
import { validateCall, type ValidCall } from './task-call.ts';
import type { TaskApi } from './task-api.ts';
import { isTerminal, type TaskStatusEvent } from '../shared/task-status.ts';
import { CommitGate } from './journal/commit-gate.ts';
import { journalInput, journalOp } from './journal/journal-ops.ts';
import type { JournalOp, LoadedJournal, StoredTask } from './journal/journal-types.ts';
import { endedEvent, planRecovery } from './journal/recovery.ts';
import type { TaskJournal } from './journal/task-journal.ts';
import { TaskHistory, type DatedEntry } from './task-history.ts';
import { newTaskId, randomWorkerId } from './task-ids.ts';
import { ActiveTasks, type ActiveTaskEntry } from './task-list.ts';
import type { FilesSettings } from './files-user.ts';
import { TaskLifecycle, taskContextFor, type Caller, type LifecycleEnv } from './task-lifecycle.ts';
import type { ShutdownMode, TaskQueue, TaskQueueStats } from './task-queue.ts';
import type { TaskListEntry, TaskRegistry } from './task-registry.ts';
import type { TaskRunner } from './task-runner.ts';

export type { Caller } from './task-lifecycle.ts';
export type { DatedEntry } from './task-history.ts';
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
  /** Where accepted tasks are journaled (worker/journal/task-journal.ts); undefined = nothing survives a restart. */
  readonly journal?: TaskJournal | undefined;
  /** The worker id every task id starts with (worker/task-ids.ts). @default the journal's, else a random one */
  readonly workerId?: string;
  /** Told of every accepted and refused submission. @default none */
  readonly submissions?: SubmissionObserver | undefined;
  /** Shared roles and quota of the files folders (`asexor.files`, docs/files.md). @default worker/files-user.ts filesSettingsDefaults */
  readonly files?: FilesSettings | undefined;
  /** Params bytes (counted as JSON) one user's waiting tasks may hold. @default queueBytesDefaults.perUser */
  readonly perUserQueuedBytes?: number;
  /** Params bytes all waiting tasks may hold. @default queueBytesDefaults.all */
  readonly maxQueuedBytes?: number;
}

/**
 * Byte limits of waiting tasks' params (docs/input-limits.md). Params of at most `small` bytes are not
 * counted: the task count limits bound them, and the fast path (a `date`) pays nothing.
 */
export const queueBytesDefaults = { perUser: 4 * 1024 * 1024, all: 64 * 1024 * 1024, small: 256 } as const;

/** A queued or running task, as other workers of the realm keep it (worker/cluster/). */
export interface OpenTask {
  readonly taskId: string;
  readonly owner: string;
  readonly task: string;
}


/** Told of every submission's outcome (the metrics count them, worker/metrics.ts). */
export interface SubmissionObserver {
  accepted(task: string): void;
  refused(error: unknown): void;
}

export interface SubmitOptions {
  /** Receives every event of this task (progressive results), after the sink. */
  readonly onEvent?: (event: TaskStatusEvent) => void;
}

export interface Submitted {
  readonly taskId: string;
  /** Resolves with the terminal event; never rejects. */
  readonly done: Promise<TaskStatusEvent>;
  /**
   * With a journal: resolves once the task is journaled (only then may its id be returned); rejects
   * with StoreWriteError when the write failed (the task is then cancelled). Undefined without a journal.
   */
  readonly committed: Promise<void> | undefined;
}

/** `done` is created on first use (only progressive calls wait for it). */
class SubmittedTask implements Submitted {
  readonly #task: TaskLifecycle;
  readonly committed: Promise<void> | undefined;
  constructor(task: TaskLifecycle, committed: Promise<void> | undefined) {
    this.#task = task;
    this.committed = committed;
  }
  get taskId(): string {
    return this.#task.id;
  }
  get done(): Promise<TaskStatusEvent> {
    return this.#task.done;
  }
}

/** What `recover` did with a journal read at start-up. */
export interface Recovered {
  readonly requeued: number;
  /** Tasks that were running or could not be queued again: ended with `error`. */
  readonly ended: number;
  readonly finished: number;
}

type Held = readonly [TaskLifecycle, TaskStatusEvent];

/** Queue counts; `users`, `maxQueued` and (with the shared queue, worker/store/store-service.ts) `workers` only for admins. */
export type ServiceStats = Omit<TaskQueueStats, 'users' | 'maxQueued'> & Partial<Pick<TaskQueueStats, 'users' | 'maxQueued'>> & { readonly workers?: number };

export class TaskService implements TaskApi {
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
  readonly #journal: TaskJournal | undefined;
  /**
   * Open tasks that another worker already ended (it published their terminal event while this worker
   * was gone, worker/cluster/): they end here without publishing, with that event.
   */
  readonly #endedElsewhere = new Map<TaskLifecycle, TaskStatusEvent>();
  readonly #workerId: string;
  readonly #submissions: SubmissionObserver | undefined;
  /** Waiting tasks with params over queueBytesDefaults.small: their bytes, per user and in all. */
  readonly #heavy = new Map<TaskLifecycle, number>();
  readonly #heavyByUser = new Map<string, number>();
  #heavyBytes = 0;
  readonly #perUserQueuedBytes: number;
  readonly #maxQueuedBytes: number;
  /** With a journal: events wait for the commit of their batch. */
  readonly #gate = new CommitGate<Held>(([task, event]) => { this.#deliver(task, event); });

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
      deps: {
        runner: options.runner, filesDir: options.filesDir, logger: this.#log, registry: options.registry,
        ...(options.files === undefined ? {} : { files: options.files }),
      },
      now: options.now ?? (() => new Date()),
      emit: (task, event) => { this.#emit(task, event); },
    };
    this.#queue.on('cancelled', (job) => { if (job instanceof TaskLifecycle) job.drop(); });
    this.#journal = options.journal;
    this.#workerId = options.workerId ?? options.journal?.workerId ?? randomWorkerId();
    this.#submissions = options.submissions;
    this.#perUserQueuedBytes = options.perUserQueuedBytes ?? queueBytesDefaults.perUser;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? queueBytesDefaults.all;
    if (this.#journal !== undefined) this.#journal.onCommitted = (ops, error) => { this.#committed(ops, error); };
  }

  /** The id of this worker: the start of every task id it gives out. */
  get workerId(): string {
    return this.#workerId;
  }

  /**
   * Validates (NoSuchTaskError, TaskNotAllowedError, InvalidParamsError), enqueues (QueueFullError,
   * UserQueueLimitError, ShuttingDownError) and returns the id; throws synchronously, and then nothing
   * was queued. The `queued` event is delivered after this returns.
   */
  submit(caller: Caller, task: string, args: readonly unknown[] = [], kwargs: Readonly<Record<string, unknown>> = {}, options: SubmitOptions = {}): Submitted {
    try {
      return this.#accept(caller, this.#validate(caller, task, args, kwargs), args, kwargs, options);
    } catch (error) {
      this.#submissions?.refused(error);
      throw error;
    }
  }

  /**
   * `submit`, after the definition's `precheck` (shared/task.ts: e.g. the input file exists) when it
   * has one: then the result is a promise, which rejects with the precheck's error (nothing queued).
   * Without a precheck it is `submit` itself, synchronous. The params are parsed once either way.
   */
  submitChecked(caller: Caller, task: string, args: readonly unknown[] = [], kwargs: Readonly<Record<string, unknown>> = {}, options: SubmitOptions = {}): Submitted | Promise<Submitted> {
    let call: ValidCall;
    try {
      call = this.#validate(caller, task, args, kwargs);
      if (call.def.precheck === undefined) return this.#accept(caller, call, args, kwargs, options);
    } catch (error) {
      this.#submissions?.refused(error);
      throw error;
    }
    // The precheck sees the caller's own files folder (worker/files-user.ts), as the task will.
    return taskContextFor(this.#env.deps, caller)
      .then((ctx) => precheckTaskParams(call.def, call.params, ctx))
      .then(() => {
        if (this.#closing) throw new ShuttingDownError();
        return this.#accept(caller, call, args, kwargs, options);
      })
      .catch((error: unknown) => {
        this.#submissions?.refused(error);
        throw error;
      });
  }

  /** Checks a call (ShuttingDownError, then worker/task-call.ts) and parses its params. */
  #validate(caller: Caller, task: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): ValidCall {
    if (this.#closing) throw new ShuttingDownError();
    return validateCall(this.#registry, caller, task, args, kwargs);
  }

  /** Queues a validated call (QueueFullError, UserQueueLimitError, QueueBytesLimitError) and records it. */
  #accept(caller: Caller, call: ValidCall, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>, options: SubmitOptions): Submitted {
    const { def, params, bytes } = call;
    if (bytes > queueBytesDefaults.small) this.#checkQueuedBytes(caller.authid, bytes);
    const input = this.#journal === undefined ? undefined : journalInput(args, kwargs);
    const lifecycle = new TaskLifecycle(newTaskId(this.#workerId), caller, this.#queue.priorityFor(caller.authrole), def, params, this.#env);
    this.#queue.submit(lifecycle);
    if (bytes > queueBytesDefaults.small) this.#holdBytes(lifecycle, bytes);
    this.#open += 1;
    if (options.onEvent !== undefined) this.#listeners.set(lifecycle, options.onEvent);
    const queued = lifecycle.queuedEvent();
    this.#history.add(caller.authid, queued, performance.timeOrigin + performance.now()); // sub-millisecond acceptance time
    this.#active.track(lifecycle, queued);
    if (this.#journal === undefined || input === undefined) {
      this.#unflushed.set(lifecycle, [queued]);
      this.#scheduleFlush();
      this.#submissions?.accepted(def.name);
      return new SubmittedTask(lifecycle, undefined);
    }
    lifecycle.journalSeq = this.#journal.nextSeq();
    const committed = this.#journal.record({
      kind: 'add', task: { seq: lifecycle.journalSeq, id: lifecycle.id, owner: caller.authid, role: caller.authrole, task: def.name, priority: lifecycle.priority, input, event: queued },
    });
    this.#gate.hold([lifecycle, queued]);
    this.#submissions?.accepted(def.name);
    return new SubmittedTask(lifecycle, committed);
  }

  /**
   * Restores what a journal held at start-up (worker/journal/recovery.ts): finished tasks into the
   * history, queued ones (and running ones whose definition says `rerunOnRestart`) into the queue
   * under their ids and owners, the rest ended with `error`. Call once, before the first submit;
   * events of the restored tasks are published from then on like any others.
   */
  recover(loaded: LoadedJournal): Recovered {
    const now = this.#env.now();
    const plan = planRecovery(loaded, this.#registry, now);
    for (const stored of plan.finished) this.#history.add(stored.owner, stored.event);
    let ended = plan.ended.length;
    for (const { stored, event } of plan.ended) this.#endRecovered(stored, event);
    for (const { stored, def, params } of plan.requeue) {
      const lifecycle = new TaskLifecycle(stored.id, Object.freeze({ authid: stored.owner, authrole: stored.role }), stored.priority, def, params, this.#env);
      lifecycle.journalSeq = stored.seq;
      try {
        this.#queue.submit(lifecycle);
      } catch (error) {
        this.#endRecovered(stored, endedEvent(stored, error, now));
        ended += 1;
        continue;
      }
      this.#open += 1;
      const queued: TaskStatusEvent = { task_id: stored.id, task: stored.task, at: new Date(stored.queuedAt).toISOString(), status: 'queued' };
      this.#history.add(stored.owner, queued);
      this.#active.track(lifecycle, queued);
    }
    return { requeued: plan.requeue.length - (ended - plan.ended.length), ended, finished: plan.finished.length };
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
    return this.datedHistory(caller, limit).map((entry) => entry.event);
  }

  /** How many tasks `history` returns without a limit (historyPerUser). */
  get historyLimit(): number {
    return this.#history.perUser;
  }

  /** `history` with the time each task was accepted, for merging the histories of several workers. */
  datedHistory(caller: Caller, limit: number = this.#history.perUser): DatedEntry[] {
    return this.#history.recent(caller.authid, Number.isInteger(limit) ? limit : this.#history.perUser);
  }

  /** Whether the history has `taskId` (any owner). */
  knows(taskId: string): boolean {
    return this.#history.get(taskId) !== undefined;
  }

  /** Every queued and running task (what other workers need to end them if this worker is lost). */
  openTasks(): OpenTask[] {
    return this.#active.open();
  }

  /**
   * A task of another worker that this worker ended for it (worker/cluster/): kept in the history, so
   * that status and history answer it here. Ignored when the id is known already.
   */
  recordForeign(owner: string, event: TaskStatusEvent): void {
    if (this.#history.get(event.task_id) === undefined) this.#history.add(owner, event);
  }

  /**
   * Another worker ended this worker's open task while this one was away (worker/cluster/): it ends
   * here with that event and nothing is published (the owner has it already). False when the task is
   * not open here.
   */
  endedElsewhere(taskId: string, event: TaskStatusEvent): boolean {
    const task = this.#active.lifecycle(taskId);
    if (!(task instanceof TaskLifecycle) || this.#endedElsewhere.has(task)) return false;
    this.#endedElsewhere.set(task, event);
    if (this.#queue.cancel(taskId) === false) {
      this.#endedElsewhere.delete(task);
      return false;
    }
    // Status answers the end at once, while a running process is still being stopped.
    this.#history.update(event);
    return true;
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

  #checkQueuedBytes(owner: string, bytes: number): void {
    if ((this.#heavyByUser.get(owner) ?? 0) + bytes > this.#perUserQueuedBytes) throw new QueueBytesLimitError('user', this.#perUserQueuedBytes);
    if (this.#heavyBytes + bytes > this.#maxQueuedBytes) throw new QueueBytesLimitError('all', this.#maxQueuedBytes);
  }

  #holdBytes(task: TaskLifecycle, bytes: number): void {
    this.#heavy.set(task, bytes);
    this.#heavyByUser.set(task.owner, (this.#heavyByUser.get(task.owner) ?? 0) + bytes);
    this.#heavyBytes += bytes;
  }

  /** The task left the queue (started or ended): its params no longer count against the byte limits. */
  #releaseBytes(task: TaskLifecycle): void {
    const bytes = this.#heavy.get(task);
    if (bytes === undefined) return;
    this.#heavy.delete(task);
    const left = (this.#heavyByUser.get(task.owner) ?? 0) - bytes;
    if (left > 0) this.#heavyByUser.set(task.owner, left);
    else this.#heavyByUser.delete(task.owner);
    this.#heavyBytes -= bytes;
  }

  #emit(task: TaskLifecycle, emitted: TaskStatusEvent): void {
    if (this.#heavy.size > 0 && emitted.status !== 'queued') this.#releaseBytes(task);
    const event = isTerminal(emitted.status) ? this.#endedElsewhere.get(task) ?? emitted : emitted;
    this.#history.update(event);
    this.#active.track(task, event);
    if (this.#journal !== undefined) {
      void this.#journal.record(journalOp(task.journalSeq, event));
      this.#gate.hold([task, event]);
      return;
    }
    const pending = this.#unflushed.get(task);
    if (pending === undefined) this.#deliver(task, event);
    else pending.push(event);
  }

  #deliver(task: TaskLifecycle, event: TaskStatusEvent): void {
    const muted = this.#endedElsewhere.size > 0 && this.#endedElsewhere.has(task);
    try {
      if (!muted) this.#sink.publish(task.caller, event);
    } catch (error) {
      this.#log.error({ err: error, taskId: task.id }, 'status sink threw');
    }
    const listener = muted ? undefined : this.#listeners.get(task);
    if (listener !== undefined) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error({ err: error, taskId: task.id }, 'task event listener threw');
      }
    }
    if (!isTerminal(event.status)) return;
    this.#listeners.delete(task);
    if (muted) this.#endedElsewhere.delete(task);
    task.delivered(event);
    this.#open -= 1;
    if (this.#open > 0 || this.#allDelivered.length === 0) return;
    const waiters = this.#allDelivered;
    this.#allDelivered = [];
    for (const resolve of waiters) resolve();
  }

  /** A recovered task that ends at start-up: into the history and the journal (nobody is subscribed yet). */
  #endRecovered(stored: StoredTask, event: TaskStatusEvent): void {
    this.#history.add(stored.owner, event);
    void this.#journal?.record(journalOp(stored.seq, event));
  }

  /** The journal wrote a batch (or failed to): its events go out next; a failed batch's submissions are cancelled. */
  #committed(ops: readonly JournalOp[], error: Error | undefined): void {
    this.#gate.release();
    if (error === undefined) return;
    for (const op of ops) if (op.kind === 'add') this.#queue.cancel(op.task.id);
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
