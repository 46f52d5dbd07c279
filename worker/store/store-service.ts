/**
 * The task service over a shared queue store (docs/queue-store.md): what `asexor.store` of type
 * `postgres` runs instead of TaskService (worker/task-service.ts). Every worker sharing the store is
 * the same to a caller:
 * - a submission is validated here (worker/task-call.ts, then the definition's precheck) and admitted
 *   to the store, which applies the caps (per user and global) at once; the reply waits for the store,
 *   and the `queued` event goes out a macrotask after it (reply before update);
 * - this worker's StorePuller (store-puller.ts) claims tasks while it has a free slot and runs them here
 *   (worker/task-lifecycle.ts), whoever accepted them: the claim's `started`, the progress and the
 *   terminal event go to the owner's status topic through the StatusSink, from the worker that runs it;
 * - status, cancel, history, tasks and stats read the store, so any worker answers for any task; the
 *   progress of a running task is recorded in the store at most once per `progressMs` (a task running
 *   here answers its latest progress at once);
 * - a progressive call (or one of the original WAMP API) follows its task wherever it runs
 *   (task-follower.ts).
 * Visibility as in TaskService: a user sees only their own tasks, another user's id is unknown; admin
 * roles see every task.
 */
import { AdminRoleRequiredError, NoSuchTaskIdError, ShuttingDownError, TaskAlreadyFinishedError } from '../../shared/errors.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { precheckTaskParams } from '../../shared/task-params.ts';
import { isTerminal, taskErrorInfo, type TaskStatusEvent } from '../../shared/task-status.ts';
import type { FilesSettings } from '../files-user.ts';
import { journalInput } from '../journal/journal-ops.ts';
import { parseStoredCall } from '../journal/recovery.ts';
import type { RetentionSettings } from '../journal/store-settings.ts';
import type { TaskApi } from '../task-api.ts';
import { validateCall, type ValidCall } from '../task-call.ts';
import { newTaskId, randomWorkerId } from '../task-ids.ts';
import { TaskLifecycle, taskContextFor, type Caller, type LifecycleEnv } from '../task-lifecycle.ts';
import { MAX_TASK_LIST, type ActiveTaskEntry } from '../task-list.ts';
import type { ShutdownMode } from '../task-queue.ts';
import type { TaskListEntry, TaskRegistry } from '../task-registry.ts';
import type { TaskRunner } from '../task-runner.ts';
import { queueBytesDefaults, type ServiceStats, type StatusSink, type SubmissionObserver, type Submitted, type SubmitOptions } from '../task-service.ts';
import type { ClaimedTask, ProgressUpdate, QueueStore } from './queue-store.ts';
import { StorePuller } from './store-puller.ts';
import { TaskFollower } from './task-follower.ts';

export interface StoreTaskServiceOptions {
  readonly store: QueueStore;
  readonly registry: TaskRegistry;
  readonly runner: TaskRunner;
  readonly sink: StatusSink;
  /** The files folder, absolute (TaskContext.filesDir); the same shared folder on every worker. */
  readonly filesDir: string;
  /** Tasks this worker runs at once (`asexor.concurrency`). */
  readonly slots: number;
  /** The priority of a role's submissions (`asexor.rolePriority`, `asexor.defaultPriority`). */
  readonly priorityFor: (role: string) => number;
  /** How often the leases of the tasks running here are renewed. */
  readonly heartbeatMs: number;
  /** The store's lease (StorePullerOptions.leaseMs). @default Infinity */
  readonly leaseMs?: number;
  /** How often expired leases (of any worker) are looked for. */
  readonly reapMs: number;
  /** Finished tasks kept; pruned every `pruneMs`. */
  readonly retention: RetentionSettings;
  /** @default storeServiceDefaults.pruneMs */
  readonly pruneMs?: number;
  /** How often the latest progress of the tasks running here is recorded in the store (one batch). @default storeServiceDefaults.progressMs */
  readonly progressMs?: number;
  /** How often waiting tasks are looked for without a wake-up, and followed tasks read from the store. @default 5000 */
  readonly pollMs?: number;
  readonly uriPrefix: string;
  /** Roles that see and cancel every user's tasks. @default ['admin'] */
  readonly adminRoles?: readonly string[];
  /** Tasks `history` returns without a limit. @default 100 */
  readonly historyPerUser?: number;
  readonly files?: FilesSettings | undefined;
  readonly submissions?: SubmissionObserver | undefined;
  /** The worker id every task id starts with; its claims and leases are recorded under it. @default a random one */
  readonly workerId?: string;
  /** @default silentLogger() */
  readonly logger?: Logger;
  /** Clock of the events' `at`. @default () => new Date() */
  readonly now?: () => Date;
}

export const storeServiceDefaults = { pruneMs: 10 * 60_000, progressMs: 1000, historyPerUser: 100 } as const;

export class StoreTaskService implements TaskApi {
  readonly workerId: string;
  readonly #o: StoreTaskServiceOptions;
  readonly #store: QueueStore;
  readonly #log: Logger;
  readonly #adminRoles: ReadonlySet<string>;
  readonly #env: Omit<LifecycleEnv, 'emit'>;
  readonly #puller: StorePuller;
  readonly #follower: TaskFollower;
  /** The latest event of each task running here (status answers its progress). */
  readonly #latest = new Map<string, TaskStatusEvent>();
  /** Progress not recorded in the store yet, the latest per task; written every progressMs. */
  readonly #unrecorded = new Map<string, ProgressUpdate>();
  #progressTimer: NodeJS.Timeout | undefined;
  /**
   * Tasks admitted here whose `queued` event is not published yet, with their events that came
   * meanwhile (published after it, in order): a worker may claim a task before its admission returns
   * here (the embedded store claims within `admit`, this worker's puller among others), and a cancel
   * may end it, so its `started` or `cancelled` must not overtake its `queued` (TaskService holds them
   * the same way).
   */
  readonly #unpublished = new Map<string, TaskStatusEvent[]>();
  #pruneTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: StoreTaskServiceOptions) {
    this.#o = options;
    this.#store = options.store;
    this.workerId = options.workerId ?? randomWorkerId();
    this.#log = (options.logger ?? silentLogger()).child({ component: 'task-service', store: options.store.kind });
    this.#adminRoles = new Set(options.adminRoles ?? ['admin']);
    this.#env = {
      deps: {
        runner: options.runner, filesDir: options.filesDir, logger: this.#log, registry: options.registry,
        ...(options.files === undefined ? {} : { files: options.files }),
      },
      now: options.now ?? (() => new Date()),
    };
    const pollMs = options.pollMs === undefined ? {} : { pollMs: options.pollMs };
    this.#follower = new TaskFollower({ store: options.store, uriPrefix: options.uriPrefix, logger: this.#log, ...pollMs });
    this.#puller = new StorePuller({
      store: options.store, worker: this.workerId, slots: options.slots, heartbeatMs: options.heartbeatMs, reapMs: options.reapMs, ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }), logger: this.#log, ...pollMs,
      run: (task, signal) => this.#run(task, signal),
      ended: (owner, event) => { this.#publish(owner, event); },
    });
  }

  /** Starts pulling tasks and pruning finished ones. */
  start(): void {
    this.#puller.start();
    this.#pruneTimer = setInterval(() => { void this.#prune(); }, this.#o.pruneMs ?? storeServiceDefaults.pruneMs);
    this.#pruneTimer.unref();
    void this.#prune();
  }

  /** Tasks running here now. */
  get running(): number {
    return this.#puller.running;
  }

  /** A joined session: followed tasks' events come through it. */
  attach(session: Parameters<TaskFollower['attach']>[0]): void {
    this.#follower.attach(session);
  }

  detach(): void {
    this.#follower.detach();
  }

  list(caller: Caller): TaskListEntry[] {
    return this.#o.registry.list(caller.authrole);
  }

  /**
   * Validates and admits a submission. While this worker shuts down it still admits the submissions that
   * need nothing more from it (the queue is shared: another worker runs them, and the router keeps sending
   * a share of the calls here until this worker leaves); a progressive call, or one of the original WAMP
   * API, follows its task through this worker, so it is refused with ShuttingDownError.
   */
  async submitChecked(caller: Caller, task: string, args: readonly unknown[] = [], kwargs: Readonly<Record<string, unknown>> = {}, options: SubmitOptions = {}): Promise<Submitted> {
    try {
      if (this.#closing && options.onEvent !== undefined) throw new ShuttingDownError();
      const call = validateCall(this.#o.registry, caller, task, args, kwargs);
      return await this.#admit(caller, call, journalInput(args, kwargs), options);
    } catch (error) {
      this.#o.submissions?.refused(error);
      throw error;
    }
  }

  async #admit(caller: Caller, call: ValidCall, input: string, options: SubmitOptions): Promise<Submitted> {
    const { def, bytes } = call;
    // The precheck sees the caller's own files folder (worker/files-user.ts), as the task will.
    if (def.precheck !== undefined) await precheckTaskParams(def, call.params, await taskContextFor(this.#env.deps, caller));
    if (this.#closing && options.onEvent !== undefined) throw new ShuttingDownError();
    const taskId = newTaskId(this.workerId);
    // Subscribed before the task exists: a worker may claim it at once and publish its start.
    if (options.onEvent !== undefined) await this.#follower.follow(caller.authid, taskId, options.onEvent);
    let queued: TaskStatusEvent;
    this.#unpublished.set(taskId, []);
    try {
      queued = await this.#store.admit({
        id: taskId, owner: caller.authid, role: caller.authrole, task: def.name, priority: this.#o.priorityFor(caller.authrole),
        input, bytes: bytes > queueBytesDefaults.small ? bytes : 0, rerun: def.rerunOnRestart === true,
      });
    } catch (error) {
      this.#unpublished.delete(taskId);
      this.#follower.unfollow(taskId);
      throw error;
    }
    this.#o.submissions?.accepted(def.name);
    // Reply before update: the id goes out in this turn, the event in the next one.
    setImmediate(() => {
      const held = this.#unpublished.get(taskId) ?? [];
      this.#unpublished.delete(taskId);
      this.#publish(caller.authid, queued);
      for (const event of held) this.#publish(caller.authid, event);
    });
    const follower = this.#follower;
    return {
      taskId,
      committed: undefined,
      get done(): Promise<TaskStatusEvent> {
        return follower.done(taskId) ?? follower.follow(caller.authid, taskId).then(() => follower.done(taskId) ?? new Promise<never>(() => undefined));
      },
    };
  }

  async status(caller: Caller, taskId: string): Promise<TaskStatusEvent> {
    const stored = await this.#visible(caller, taskId);
    return this.#latest.get(taskId) ?? stored.event;
  }

  async cancel(caller: Caller, taskId: string): Promise<'queued' | 'running'> {
    const stored = await this.#visible(caller, taskId);
    if (isTerminal(stored.event.status)) throw new TaskAlreadyFinishedError(taskId, stored.event.status);
    const outcome = await this.#store.cancel(taskId);
    if (outcome === undefined) throw new NoSuchTaskIdError(taskId);
    switch (outcome.state) {
      case 'queued':
        this.#publish(outcome.owner, outcome.event);
        return 'queued';
      case 'running':
        // The store wakes the worker running it; when that is this one, it stops now.
        if (outcome.worker === this.workerId) this.#puller.abort(taskId);
        return 'running';
      case 'finished':
        throw new TaskAlreadyFinishedError(taskId, outcome.status);
    }
  }

  async history(caller: Caller, limit: number = this.#o.historyPerUser ?? storeServiceDefaults.historyPerUser): Promise<TaskStatusEvent[]> {
    const entries = await this.#store.history(caller.authid, limit);
    return entries.map((entry) => this.#latest.get(entry.event.task_id) ?? entry.event);
  }

  async tasks(caller: Caller, all = false): Promise<ActiveTaskEntry[]> {
    if (all && !this.#isAdmin(caller)) throw new AdminRoleRequiredError('listing every user\'s tasks (all: true)', caller.authrole);
    const entries = await this.#store.active(all ? undefined : caller.authid, MAX_TASK_LIST);
    return entries.map((entry) => {
      const latest = this.#latest.get(entry.task_id);
      return latest?.status === 'progress'
        ? { ...entry, progress: latest.progress, ...(latest.message === undefined ? {} : { message: latest.message }) }
        : entry;
    });
  }

  /**
   * Counts over every worker sharing the store: `concurrency` is the slots of the live workers (this
   * worker's own until it was counted); `users` and `workers` only for admins.
   */
  async stats(caller: Caller): Promise<ServiceStats> {
    const { users, workers, slots, ...counts } = await this.#store.stats();
    const stats = { ...counts, concurrency: slots > 0 ? slots : this.#o.slots, accepting: !this.#closing };
    return this.#isAdmin(caller) ? { ...stats, users, workers } : stats;
  }

  /**
   * Stops claiming (and accepting progressive calls), then `drain` (the tasks running here end) or
   * `cancel` (they are cancelled). Waiting tasks stay in the store for the other workers. Does not close
   * the store.
   */
  async shutdown(mode: ShutdownMode = 'drain'): Promise<void> {
    this.#closing = true;
    clearInterval(this.#pruneTimer);
    await this.#puller.stop(mode);
    clearTimeout(this.#progressTimer);
    this.#unrecorded.clear();
    this.#follower.close();
  }

  async #visible(caller: Caller, taskId: string): Promise<{ owner: string; event: TaskStatusEvent }> {
    const stored = await this.#store.status(taskId);
    if (stored === undefined || (stored.owner !== caller.authid && !this.#isAdmin(caller))) throw new NoSuchTaskIdError(taskId);
    return stored;
  }

  #isAdmin(caller: Caller): boolean {
    return this.#adminRoles.has(caller.authrole);
  }

  /** To the owner's topic and to this worker's followers of the task. */
  #publish(owner: string, event: TaskStatusEvent): void {
    const held = this.#unpublished.get(event.task_id);
    if (held !== undefined) {
      held.push(event);
      return;
    }
    try {
      this.#o.sink.publish({ authid: owner, authrole: '' }, event);
    } catch (error) {
      this.#log.error({ err: error, taskId: event.task_id }, 'status sink threw');
    }
    this.#follower.deliver(event);
  }

  /**
   * Runs a claimed task here (StorePuller's `run`): its params are validated again against this worker's
   * definitions (a task that no longer validates ends with that error), the claim's `started` event and
   * the progress go out at once, and the terminal event is returned for the puller to record and publish.
   */
  #run(task: ClaimedTask, signal: AbortSignal): Promise<TaskStatusEvent> {
    const caller: Caller = Object.freeze({ authid: task.owner, authrole: task.role });
    this.#latest.set(task.id, task.started);
    this.#publish(task.owner, task.started);
    const { promise, resolve } = Promise.withResolvers<TaskStatusEvent>();
    const settle = (event: TaskStatusEvent): void => {
      this.#latest.delete(task.id);
      this.#unrecorded.delete(task.id);
      resolve(event);
    };
    let call: { def: ValidCall['def']; params: unknown };
    try {
      call = parseStoredCall(task, this.#o.registry);
    } catch (error) {
      settle({ task_id: task.id, task: task.task, at: this.#env.now().toISOString(), status: 'error', error: taskErrorInfo(error), duration: 0 });
      return promise;
    }
    const lifecycle = new TaskLifecycle(task.id, caller, task.priority, call.def, call.params, {
      ...this.#env,
      emit: (_task, event) => {
        if (event.status === 'started') return; // the claim's own is published above
        if (isTerminal(event.status)) {
          settle(event);
          return;
        }
        this.#latest.set(task.id, event);
        this.#publish(task.owner, event);
        this.#recordProgress({ taskId: task.id, attempt: task.attempt, event });
      },
    });
    void lifecycle.run(signal);
    return promise;
  }

  /** Other workers answer status with a task's progress: recorded in one batch every progressMs. */
  #recordProgress(update: ProgressUpdate): void {
    this.#unrecorded.set(update.taskId, update);
    if (this.#progressTimer !== undefined) return;
    this.#progressTimer = setTimeout(() => {
      this.#progressTimer = undefined;
      const updates = [...this.#unrecorded.values()];
      this.#unrecorded.clear();
      this.#store.progress(updates).catch((error: unknown) => { this.#log.warn({ err: error }, 'recording progress in the queue store failed'); });
    }, this.#o.progressMs ?? storeServiceDefaults.progressMs);
  }

  async #prune(): Promise<void> {
    try {
      const pruned = await this.#store.prune(this.#o.retention);
      if (pruned > 0) this.#log.info({ pruned, retention: this.#o.retention }, 'finished tasks pruned from the queue store');
    } catch (error) {
      this.#log.warn({ err: error }, 'pruning the queue store failed; tried again later');
    }
  }
}
