/**
 * A worker's side of the queue store's pull model (docs/queue-store.md, "Next steps"): it holds the
 * worker's slots and claims a task only while one is free: at start, on each `work` wake-up, when one
 * of its tasks ends, and on a slow safety timer. Each claimed task is run; its terminal event goes to
 * `finish`, and is handed to `ended` (to publish) only when `finish` says this call ended the task.
 * The worker announces itself at start and with every heartbeat (the store's `stats` counts the live
 * workers and their slots) and departs when stopped. A task whose lease this worker lost (reaped while it
 * was too slow to renew it, or not renewed for about `leaseMs`: the store unreachable) is stopped here and
 * its end is not recorded by this worker: a reaper ends it or queues it again, so it still gets one
 * terminal event, and a task run again elsewhere does not also run on here.
 * Heartbeats renew the leases of its tasks and abort those with a cancel request, as does a `cancel`
 * wake-up naming this worker; `reap` ends or re-queues the tasks of workers that stopped renewing
 * theirs, and hands the ended ones to `ended` too. So every admitted task gets one terminal event from
 * exactly one worker.
 */
import { hostname } from 'node:os';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { taskErrorInfo, type TaskStatusEvent } from '../../shared/task-status.ts';
import type { ClaimedTask, QueueStore, Wake } from './queue-store.ts';

export interface StorePullerOptions {
  readonly store: QueueStore;
  /** This worker's id (worker/task-ids.ts): its claims and leases are recorded under it. */
  readonly worker: string;
  /** Tasks this worker runs at once. */
  readonly slots: number;
  /** Runs a claimed task and resolves with its terminal event; should settle soon after `signal` aborts. */
  readonly run: (task: ClaimedTask, signal: AbortSignal) => Promise<TaskStatusEvent>;
  /** A terminal event to publish to `owner` (a task of this worker, or one it reaped). */
  readonly ended: (owner: string, event: TaskStatusEvent) => void;
  /** How often the leases are renewed; well under the store's `leaseMs`. */
  readonly heartbeatMs: number;
  /**
   * The store's lease. When no heartbeat succeeded for this long (the store unreachable), the tasks
   * running here are stopped: other workers may already have ended them, or run them again.
   * @default Infinity (they run on)
   */
  readonly leaseMs?: number;
  /** How often expired leases of any worker are looked for. */
  readonly reapMs: number;
  /** How often to claim without a wake-up (lost notifications). @default 5000 */
  readonly pollMs?: number;
  /** @default silentLogger() */
  readonly logger?: Logger;
}

export const storePullerDefaults = { pollMs: 5000 } as const;

export class StorePuller {
  readonly #o: StorePullerOptions;
  readonly #log: Logger;
  /** The running tasks' abort controllers, by task id. */
  readonly #running = new Map<string, AbortController>();
  /** Heartbeat and reap timers: kept while a drain waits for the running tasks. */
  readonly #timers: NodeJS.Timeout[] = [];
  #pollTimer: NodeJS.Timeout | undefined;
  /** Heartbeats and reaps under way: `stop` waits for them, so that the store can be closed after it. */
  readonly #chores = new Set<Promise<void>>();
  #unsubscribe: (() => void) | undefined;
  #claiming = false;
  /**
   * For each task running here, when its lease was last set (performance.now() when the claim or the
   * heartbeat that renewed it was sent: the server set it a little later, so this errs on the safe side).
   */
  readonly #leasedAt = new Map<string, number>();
  /** Tasks stopped because their lease was lost: their end is left to a reaper, not recorded here. */
  readonly #lost = new Set<string>();
  /** Tasks whose run has ended (their end is being recorded): not stopped as lost any more. */
  readonly #settled = new Set<string>();
  #again = false;
  #stopping = false;
  #idle: (() => void)[] = [];

  constructor(options: StorePullerOptions) {
    this.#o = options;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'store-puller', worker: options.worker });
  }

  /** Tasks running here now. */
  get running(): number {
    return this.#running.size;
  }

  start(): void {
    this.#unsubscribe = this.#o.store.onWake((wake) => { this.#woken(wake); });
    this.#chore(this.#announce());
    this.#timers.push(
      setInterval(() => { this.#chore(this.#heartbeat()); }, this.#o.heartbeatMs),
      setInterval(() => { this.#chore(this.#reap()); }, this.#o.reapMs),
    );
    this.#pollTimer = setInterval(() => { void this.#pump(); }, this.#o.pollMs ?? storePullerDefaults.pollMs);
    void this.#pump();
  }

  /**
   * Claims nothing more; `drain` lets the running tasks end, `cancel` aborts them first. Resolves once
   * none runs here. Waiting tasks stay in the store for the other workers.
   * Until then the heartbeats and the wake-ups go on: a task still draining here must keep its lease
   * (else another worker's reap ends it as lost while it runs, and its own end is discarded), and a
   * cancel asked on any worker must still reach it.
   */
  async stop(mode: 'drain' | 'cancel' = 'drain'): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#pollTimer);
    if (mode === 'cancel') for (const controller of this.#running.values()) controller.abort(new DOMException('The worker is stopping', 'AbortError'));
    if (this.#running.size > 0 || this.#claiming) await new Promise<void>((resolve) => { this.#idle.push(resolve); });
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await Promise.all(this.#chores);
    await this.#o.store.depart(this.#o.worker).catch((error: unknown) => { this.#log.warn({ err: error }, 'queue store: could not say this worker stops; it stops being counted after leaseMs'); });
  }

  #chore(work: Promise<void>): void {
    this.#chores.add(work);
    void work.finally(() => { this.#chores.delete(work); });
  }

  #woken(wake: Wake): void {
    if (wake.kind === 'work') void this.#pump();
    else if (wake.worker === this.#o.worker) this.abort(wake.taskId);
  }

  /** Stops a task running here (its cancel was recorded in the store); nothing if it does not run here. */
  abort(taskId: string): void {
    this.#running.get(taskId)?.abort(new DOMException('The task was cancelled', 'AbortError'));
  }

  /** Claims while a slot is free; one claiming loop at a time, run again if asked meanwhile. */
  async #pump(): Promise<void> {
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = true;
    try {
      do {
        this.#again = false;
        while (!this.#stopping && this.#running.size < this.#o.slots) {
          const sentAt = performance.now();
          const task = await this.#o.store.claim(this.#o.worker);
          if (task === undefined) break;
          this.#execute(task, sentAt);
        }
      } while (this.#again && !this.#stopping);
    } catch (error) {
      this.#log.warn({ err: error }, 'queue store: claiming failed; retried on the next wake-up');
    } finally {
      this.#claiming = false;
      this.#checkIdle();
    }
  }

  #execute(task: ClaimedTask, leasedAt: number): void {
    const controller = new AbortController();
    this.#running.set(task.id, controller);
    this.#leasedAt.set(task.id, leasedAt);
    void this.#runAndFinish(task, controller.signal).finally(() => {
      this.#running.delete(task.id);
      this.#leasedAt.delete(task.id);
      this.#lost.delete(task.id);
      this.#settled.delete(task.id);
      this.#checkIdle();
      void this.#pump();
    });
  }

  async #runAndFinish(task: ClaimedTask, signal: AbortSignal): Promise<void> {
    let event: TaskStatusEvent;
    try {
      event = await this.#o.run(task, signal);
    } catch (error) {
      this.#log.error({ err: error, taskId: task.id }, 'queue store: a task run rejected');
      event = { task_id: task.id, task: task.task, at: new Date().toISOString(), status: 'error', error: taskErrorInfo(error), duration: 0 };
    }
    this.#settled.add(task.id);
    if (this.#lost.has(task.id)) {
      // Not this worker's any more: a reaper ends it (ERR_WORKER_LOST) or queues it again.
      this.#log.info({ taskId: task.id }, 'queue store: a task stopped after its lease was lost is left to the reaper');
      return;
    }
    // Tried again every heartbeatMs while the task's lease holds (the heartbeats still renew it): an end
    // reached during a short outage is still recorded and published once the store is back.
    for (;;) {
      try {
        if (await this.#o.store.finish(task.id, task.attempt, event)) this.#o.ended(task.owner, event);
        return;
      } catch (error) {
        if (!this.#leaseOutlives(task.id, this.#o.heartbeatMs)) {
          // The lease runs out and a reaper ends or re-queues the task: it still gets one terminal event.
          this.#log.error({ err: error, taskId: task.id }, 'queue store: recording a task\'s end failed; its lease will expire');
          return;
        }
        this.#log.warn({ err: error, taskId: task.id }, 'queue store: recording a task\'s end failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, this.#o.heartbeatMs));
      }
    }
  }

  /** Whether `taskId`'s lease, as last set, still holds `ms` from now with a heartbeat to spare. */
  #leaseOutlives(taskId: string, ms: number): boolean {
    const leasedAt = this.#leasedAt.get(taskId);
    if (leasedAt === undefined || this.#o.leaseMs === undefined) return false;
    return performance.now() + ms < leasedAt + Math.max(this.#o.leaseMs / 2, this.#o.leaseMs - this.#o.heartbeatMs);
  }

  /** Counted among the live workers (`stats`): at start and with every heartbeat. */
  async #announce(): Promise<void> {
    try {
      await this.#o.store.announce({ id: this.#o.worker, slots: this.#o.slots, host: hostname(), pid: process.pid });
    } catch (error) {
      this.#log.warn({ err: error }, 'queue store: announcing this worker failed');
    }
  }

  async #heartbeat(): Promise<void> {
    await this.#announce();
    this.#stopExpiring();
    const named = [...this.#running.keys()].filter((taskId) => !this.#lost.has(taskId));
    if (named.length === 0) return;
    const sentAt = performance.now();
    try {
      const beat = await this.#o.store.heartbeat(this.#o.worker, named);
      const lost = new Set(beat.lost);
      for (const taskId of named) if (!lost.has(taskId) && this.#leasedAt.has(taskId)) this.#leasedAt.set(taskId, sentAt);
      for (const taskId of beat.cancelRequested) this.abort(taskId);
      for (const taskId of beat.lost) this.#stopLost(taskId, 'its lease ran out before it was renewed');
    } catch (error) {
      this.#log.warn({ err: error }, 'queue store: heartbeat failed');
      this.#stopExpiring();
    }
  }

  /**
   * Stops the tasks whose lease was not renewed for `leaseMs - heartbeatMs` (the store unreachable, or a
   * heartbeat that hangs): one heartbeat before another worker may reap them, so that a task run again
   * elsewhere does not also run on here.
   */
  #stopExpiring(): void {
    const leaseMs = this.#o.leaseMs ?? Infinity;
    const limit = Math.max(leaseMs / 2, leaseMs - this.#o.heartbeatMs);
    const now = performance.now();
    for (const [taskId, leasedAt] of this.#leasedAt) {
      if (now - leasedAt >= limit) this.#stopLost(taskId, `its lease was not renewed for ${String(Math.round(now - leasedAt))} ms (leaseMs ${String(leaseMs)})`);
    }
  }

  /** Stops a task this worker no longer holds; its end is not published here (the store refuses it). */
  #stopLost(taskId: string, why: string): void {
    const controller = this.#running.get(taskId);
    if (controller === undefined || this.#lost.has(taskId) || this.#settled.has(taskId)) return;
    this.#lost.add(taskId);
    this.#log.warn({ taskId, why }, 'queue store: a task running here is no longer this worker\'s: stopped');
    controller.abort(new DOMException(`The task is no longer this worker's (${why})`, 'AbortError'));
  }

  async #reap(): Promise<void> {
    try {
      for (const reaped of await this.#o.store.reap()) {
        if (reaped.outcome === 'ended') this.#o.ended(reaped.owner, reaped.event);
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'queue store: reaping failed');
    }
  }

  #checkIdle(): void {
    if (this.#running.size > 0 || this.#claiming || this.#idle.length === 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
