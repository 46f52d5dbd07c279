/**
 * The task queue: priorities 0 (first) to 9; within a priority, users take turns (round-robin) and
 * each user's tasks start in submission order; a global concurrency limit, per-user limits on waiting
 * and running tasks, and a cap on waiting tasks that rejects at once (docs/task-semantics.md,
 * docs/fairness-and-abuse.md).
 *
 * Design. Waiting tasks live in our own WaitingRoom (task-queue-waiting-room.ts); the queue counts the
 * tasks it started (`running`) and starts the next one whenever one settles and a slot is free.
 * (It used to hand started tasks to p-queue for the slots; p-queue's per-task promise, AsyncResource
 * and EventTarget events cost more CPU per task than the rest of the queue.)
 * Why not let p-queue hold the waiting tasks, with its own priorities:
 * - per-user `maxRunning`: p-queue starts whatever is at its head. A user at the limit would either
 *   take a slot and block it, or stop everyone behind them. The room skips such a user in O(1).
 * - fairness: p-queue is FIFO within a priority, so one user with 1,000 waiting tasks delays everyone
 *   who comes after; the room serves the users of a priority in turn.
 * - memory: a waiting p-queue task costs ~340 bytes (promise, closures, AsyncResource), and ~2.1 KB
 *   with the per-task AbortSignal that is its only way to remove one waiting task (measured on Node 24);
 *   the bar is 1 KB per waiting task. A waiting entry here is one object and one Map slot.
 * - time: p-queue inserts a higher priority with a splice and removes a task by a linear scan;
 *   here submit, start and cancel are O(1) (ten priorities), and cancel finds the task in a Map.
 *
 * Events: every accepted task gets exactly one of `cancelled` (it never started), or `started`
 * then `settled`. A running task that is cancelled sees its signal abort, then settles.
 */
import { EventEmitter } from 'node:events';
import { QueueFullError, ShuttingDownError, UserQueueLimitError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { isPriority, priorityMessage, resolveTaskQueueOptions, type ResolvedTaskQueueOptions, type TaskQueueOptions } from './task-queue-options.ts';
import { WaitingRoom, type QueueEntry } from './task-queue-waiting-room.ts';

export { Priority, type PerUserLimits, type TaskQueueOptions } from './task-queue-options.ts';

export interface QueueJob {
  /** Unique among the tasks queued or running. */
  readonly id: string;
  /** authid of the user who submitted it; per-user limits count by it. */
  readonly owner: string;
  /** 0 (runs first) .. 9; see `priorityFor(role)`. */
  readonly priority: number;
  /** Runs the task; should settle soon after `signal` aborts. A rejection is logged, never rethrown. */
  run(signal: AbortSignal): Promise<void>;
}

export interface TaskQueueEvents {
  started: [job: QueueJob];
  settled: [job: QueueJob];
  cancelled: [job: QueueJob];
}

export type ShutdownMode = 'drain' | 'cancel';

export interface TaskQueueStats {
  /** Accepted, not started. */
  readonly queued: number;
  /** Holding a slot (started, or starting in the next microtask). */
  readonly running: number;
  /** Waiting tasks per priority 0..9 (every key present). */
  readonly byPriority: Readonly<Record<number, number>>;
  /** Users with waiting or running tasks. */
  readonly users: number;
  readonly concurrency: number;
  readonly maxQueued: number;
  /** False once shutdown() was called. */
  readonly accepting: boolean;
}

export class TaskQueue extends EventEmitter<TaskQueueEvents> {
  readonly #options: ResolvedTaskQueueOptions;
  readonly #log: Logger;
  readonly #room: WaitingRoom;
  readonly #byId = new Map<string, QueueEntry>();
  /** Tasks holding a slot: started, or starting in the next microtask. */
  #active = 0;
  #closing = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: TaskQueueOptions = {}) {
    super();
    this.#options = resolveTaskQueueOptions(options);
    this.#log = this.#options.logger;
    this.#room = new WaitingRoom(this.#options.perUserMaxRunning);
  }

  /** Priority for a user's role: the `rolePriority` map, else `defaultPriority`. */
  priorityFor(role: string): number {
    return this.#options.rolePriority.get(role) ?? this.#options.defaultPriority;
  }

  /**
   * Accepts a task or throws at once: ShuttingDownError, UserQueueLimitError, QueueFullError, or a
   * TypeError for a bad priority or a duplicate id. Never blocks. A task that can start now is not
   * counted as waiting; it starts in a microtask, after submit() returned.
   */
  submit(job: QueueJob): void {
    if (this.#closing) throw new ShuttingDownError();
    if (!isPriority(job.priority)) throw new TypeError(priorityMessage('priority', job.priority));
    if (this.#byId.has(job.id)) throw new TypeError(`A task with id "${job.id}" is already queued or running`);
    const lane = this.#room.peek(job.owner);
    const { perUserMaxQueued, perUserMaxRunning, maxQueued } = this.#options;
    // While a slot is free nobody eligible is waiting (#pump runs eagerly), so such a task starts at once.
    const startsNow = this.#active < this.#options.concurrency && (lane?.running ?? 0) < perUserMaxRunning;
    if (!startsNow) {
      if ((lane?.queued ?? 0) >= perUserMaxQueued) throw new UserQueueLimitError(job.owner, perUserMaxQueued);
      if (this.#room.size >= maxQueued) throw new QueueFullError(maxQueued);
    }
    this.#byId.set(job.id, this.#room.add(job, job.priority));
    this.#pump();
  }

  /**
   * `queued`: it was waiting (or about to start) and is removed; its run never starts; `cancelled` is
   * emitted. `running`: its signal aborts; it settles when its run does. `false`: unknown id, or already cancelled.
   */
  cancel(id: string): 'queued' | 'running' | false {
    const entry = this.#byId.get(id);
    return entry === undefined ? false : this.#cancelEntry(entry, 'The task was cancelled');
  }

  /** O(1) lookup: where the task is, or undefined if it is not (or no longer) in the queue. */
  stateOf(id: string): 'queued' | 'running' | undefined {
    const state = this.#byId.get(id)?.state;
    if (state === 'queued') return 'queued';
    return state === 'starting' || state === 'running' ? 'running' : undefined;
  }

  stats(): TaskQueueStats {
    const byPriority: Record<number, number> = {};
    for (let p = 0; p <= 9; p++) byPriority[p] = this.#room.countAt(p);
    return {
      queued: this.#room.size, running: this.#active, byPriority, users: this.#room.users,
      concurrency: this.#options.concurrency, maxQueued: this.#options.maxQueued, accepting: !this.#closing,
    };
  }

  /**
   * Stops accepting (submit throws ShuttingDownError), then `drain`: waits until every accepted task
   * has run; `cancel`: cancels the waiting tasks, aborts the running ones and waits until they settle.
   * A `cancel` during a `drain` escalates it. Resolves when nothing is queued or running.
   */
  async shutdown(mode: ShutdownMode = 'drain'): Promise<void> {
    if (mode !== 'drain' && mode !== 'cancel') {
      throw new TypeError(`Expected \`mode\` to be 'drain' or 'cancel', got \`${String(mode)}\` (${typeof mode})`);
    }
    this.#closing = true;
    if (mode === 'cancel') {
      // Deleting visited entries while iterating a Map is safe. Waiting tasks go first, so no slot freed
      // by an abort can start one of them (slots are refilled asynchronously anyway).
      for (const entry of this.#byId.values()) this.#cancelEntry(entry, 'The task queue is shutting down');
    }
    if (this.#room.size === 0 && this.#active === 0) return;
    await new Promise<void>((resolve) => { this.#idleWaiters.push(resolve); });
  }

  #cancelEntry(entry: QueueEntry, reason: string): 'queued' | 'running' | false {
    switch (entry.state) {
      case 'queued':
        this.#room.remove(entry);
        this.#byId.delete(entry.job.id);
        entry.state = 'cancelled';
        this.#emitSafely('cancelled', entry.job);
        this.#checkIdle();
        return 'queued';
      case 'starting':
        // It holds a slot but its run has not begun: #execute sees the state and releases the slot.
        entry.state = 'cancelled';
        this.#emitSafely('cancelled', entry.job);
        return 'queued';
      case 'running':
        entry.controller?.abort(new DOMException(reason, 'AbortError'));
        return 'running';
      case 'cancelled':
        return false;
    }
  }

  /** Starts waiting tasks while a slot is free. Called after submit and whenever a slot frees. */
  #pump(): void {
    while (this.#active < this.#options.concurrency) {
      const entry = this.#room.take();
      if (entry === undefined) return;
      entry.state = 'starting';
      this.#active++;
      void this.#execute(entry);
    }
  }

  async #execute(entry: QueueEntry): Promise<void> {
    // Begin after submit() has returned, so the caller can answer with the task id before `started`
    // (docs/task-semantics.md: the reply comes before the first update).
    await Promise.resolve();
    if (entry.state === 'cancelled') {
      this.#release(entry);
      this.#pump();
      return;
    }
    const controller = new AbortController();
    entry.controller = controller;
    entry.state = 'running';
    this.#emitSafely('started', entry.job);
    try {
      await entry.job.run(controller.signal);
    } catch (error) {
      this.#log.error({ err: error, taskId: entry.job.id }, 'queued task rejected');
    }
    this.#release(entry);
    this.#emitSafely('settled', entry.job);
    this.#pump(); // the freed slot goes to the next waiting task
  }

  #release(entry: QueueEntry): void {
    this.#byId.delete(entry.job.id);
    this.#room.release(entry.lane);
    this.#active--;
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || this.#room.size > 0 || this.#active > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** A throwing listener must not corrupt the queue's state: it is logged. */
  #emitSafely(event: keyof TaskQueueEvents, job: QueueJob): void {
    try {
      this.emit(event, job);
    } catch (error) {
      this.#log.error({ err: error, event, taskId: job.id }, 'task queue listener threw');
    }
  }
}
