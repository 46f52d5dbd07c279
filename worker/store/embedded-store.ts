/**
 * The queue store of one machine (docs/queue-store.md): the worker's own waiting room
 * (worker/task-queue-waiting-room.ts: priorities, users taking turns, FIFO per user, the per-user
 * running limit), the task history for status and history, and, when given, the SQLite task journal
 * (worker/journal/task-journal.ts), whose commit each change awaits. Every change of state is made
 * synchronously before anything is awaited, so the caps and the single terminal transition hold for
 * concurrent callers of one process. Leases use `now`; they only matter to callers that claim for
 * several workers of one process (the tests), since a dead process takes its store with it.
 */
import { isTerminal, type TaskStatusEvent } from '../../shared/task-status.ts';
import { journalOp } from '../journal/journal-ops.ts';
import type { JournalOp } from '../journal/journal-types.ts';
import type { TaskJournal } from '../journal/task-journal.ts';
import { TaskHistory, type DatedEntry } from '../task-history.ts';
import type { ActiveTaskEntry } from '../task-list.ts';
import type { QueueJob } from '../task-queue.ts';
import { WaitingRoom, type QueueEntry } from '../task-queue-waiting-room.ts';
import type { CancelOutcome, ClaimedTask, HeartbeatResult, NewTask, ProgressUpdate, QueueLimits, QueueStore, Reaped, StoreStats, StoredStatus, Wake, WorkerInfo } from './queue-store.ts';
import { abandonedEvent, cancelledWaitingEvent, checkAdmission, queuedEvent, startedEvent } from './store-rules.ts';

export interface EmbeddedStoreOptions {
  readonly limits: QueueLimits;
  /** Where changes are made durable; undefined = nothing survives a restart. */
  readonly journal?: TaskJournal | undefined;
  /** Finished tasks kept per user and over all users (worker/task-history.ts). @default its defaults */
  readonly historyPerUser?: number;
  readonly historyMax?: number;
  /** Clock of the events and the leases. @default () => new Date() */
  readonly now?: () => Date;
}

/** One admitted task while it waits or runs. The waiting room holds it as its job. */
class HeldTask implements QueueJob {
  readonly id: string;
  readonly owner: string;
  readonly priority: number;
  readonly task: NewTask;
  readonly seq: number;
  /** Its `queued` event (again its latest when re-queued). */
  readonly queued: TaskStatusEvent;
  entry: QueueEntry | undefined;
  worker = '';
  attempt = 0;
  leaseUntil = 0;
  cancelRequested = false;
  startedAt = '';
  /** The latest recorded progress of the current attempt. */
  progress: TaskStatusEvent | undefined;
  constructor(task: NewTask, seq: number, queued: TaskStatusEvent) {
    this.id = task.id;
    this.queued = queued;
    this.owner = task.owner;
    this.priority = task.priority;
    this.task = task;
    this.seq = seq;
  }
  /** The store hands tasks out through `claim`; the room never runs them. */
  run(): Promise<void> {
    return Promise.reject(new TypeError('a queue store task is claimed, not run by the waiting room'));
  }
}

function activeEntry(held: HeldTask): ActiveTaskEntry {
  const base = { task_id: held.id, task: held.task.task, owner: held.owner, priority: held.priority, queued_at: held.queued.at };
  if (held.startedAt === '') return { ...base, status: 'queued' };
  const progress = held.progress?.status === 'progress' ? held.progress : undefined;
  return {
    ...base, status: 'running', started_at: held.startedAt,
    ...(progress === undefined ? {} : { progress: progress.progress, ...(progress.message === undefined ? {} : { message: progress.message }) }),
  };
}

export class EmbeddedQueueStore implements QueueStore {
  readonly kind = 'embedded';
  readonly #limits: QueueLimits;
  readonly #journal: TaskJournal | undefined;
  readonly #now: () => Date;
  readonly #room: WaitingRoom;
  readonly #history: TaskHistory;
  /** Waiting and running tasks. */
  readonly #held = new Map<string, HeldTask>();
  readonly #bytesByUser = new Map<string, number>();
  #bytes = 0;
  #running = 0;
  readonly #listeners = new Set<(wake: Wake) => void>();
  /** Announced workers and when they were last seen (ms). */
  readonly #workers = new Map<string, { readonly info: WorkerInfo; seen: number }>();

  constructor(options: EmbeddedStoreOptions) {
    this.#limits = options.limits;
    this.#journal = options.journal;
    this.#now = options.now ?? (() => new Date());
    this.#room = new WaitingRoom(options.limits.perUserMaxRunning);
    this.#history = new TaskHistory({
      ...(options.historyPerUser === undefined ? {} : { perUser: options.historyPerUser }),
      ...(options.historyMax === undefined ? {} : { maxFinished: options.historyMax }),
    });
  }

  async admit(task: NewTask): Promise<TaskStatusEvent> {
    if (this.#held.has(task.id) || this.#history.get(task.id) !== undefined) throw new TypeError(`A task with id "${task.id}" is already in the queue store`);
    const lane = this.#room.peek(task.owner);
    checkAdmission(this.#limits, task, { queued: lane?.queued ?? 0, bytes: this.#bytesByUser.get(task.owner) ?? 0 }, { queued: this.#room.size, bytes: this.#bytes });
    const event = queuedEvent(task.id, task.task, this.#now());
    const held = new HeldTask(task, this.#journal?.nextSeq() ?? 0, event);
    this.#enqueue(held);
    this.#history.add(task.owner, event);
    if (this.#journal !== undefined) {
      try {
        await this.#journal.record({ kind: 'add', task: { seq: held.seq, id: task.id, owner: task.owner, role: task.role, task: task.task, priority: task.priority, input: task.input, event } });
      } catch (error) {
        // Not durable, so not admitted: it leaves as if cancelled (worker/task-service.ts does the same).
        if (held.entry !== undefined) this.#leaveRoom(held, cancelledWaitingEvent(task.id, task.task, this.#now()));
        throw error;
      }
    }
    this.#wake({ kind: 'work' });
    return event;
  }

  async claim(worker: string): Promise<ClaimedTask | undefined> {
    const entry = this.#room.take();
    if (entry === undefined) return undefined;
    const held = this.#held.get(entry.job.id);
    if (held === undefined) throw new TypeError(`the waiting room handed out task ${entry.job.id}, which the store does not hold`);
    this.#unholdBytes(held);
    held.worker = worker;
    held.attempt += 1;
    held.leaseUntil = this.#now().getTime() + this.#limits.leaseMs;
    held.cancelRequested = false;
    held.progress = undefined;
    const started = startedEvent(held.id, held.task.task, this.#now());
    held.startedAt = started.at;
    this.#running += 1;
    this.#history.update(started);
    await this.#record(journalOp(held.seq, started));
    const t = held.task;
    return { id: t.id, owner: t.owner, role: t.role, task: t.task, priority: t.priority, input: t.input, attempt: held.attempt, started };
  }

  async finish(taskId: string, attempt: number, event: TaskStatusEvent): Promise<boolean> {
    if (event.task_id !== taskId || !isTerminal(event.status)) {
      throw new TypeError(`finish needs a terminal event of task ${taskId}, got ${event.status} of ${event.task_id}`);
    }
    const held = this.#held.get(taskId);
    if (held?.entry === undefined || held.attempt !== attempt || held.startedAt === '') return false;
    this.#endRunning(held, event);
    await this.#record(journalOp(held.seq, event));
    return true;
  }

  async cancel(taskId: string): Promise<CancelOutcome | undefined> {
    const held = this.#held.get(taskId);
    if (held === undefined) {
      const known = this.#history.get(taskId);
      if (known === undefined) return undefined;
      const status = known.event.status;
      return isTerminal(status) ? { state: 'finished', owner: known.owner, status } : undefined;
    }
    if (held.startedAt !== '') {
      held.cancelRequested = true;
      this.#wake({ kind: 'cancel', taskId, worker: held.worker });
      return { state: 'running', owner: held.owner, worker: held.worker };
    }
    const event = cancelledWaitingEvent(taskId, held.task.task, this.#now());
    this.#leaveRoom(held, event);
    await this.#record(journalOp(held.seq, event));
    return { state: 'queued', owner: held.owner, event };
  }

  heartbeat(worker: string, taskIds: readonly string[]): Promise<HeartbeatResult> {
    const until = this.#now().getTime() + this.#limits.leaseMs;
    let renewed = 0;
    const cancelRequested: string[] = [];
    const lost: string[] = [];
    for (const taskId of taskIds) {
      const held = this.#held.get(taskId);
      if (held === undefined || held.startedAt === '' || held.worker !== worker) {
        lost.push(taskId);
        continue;
      }
      held.leaseUntil = until;
      renewed += 1;
      if (held.cancelRequested) cancelRequested.push(held.id);
    }
    return Promise.resolve({ renewed, cancelRequested, lost });
  }

  progress(updates: readonly ProgressUpdate[]): Promise<void> {
    for (const { taskId, attempt, event } of updates) {
      const held = this.#held.get(taskId);
      if (held === undefined || held.startedAt === '' || held.attempt !== attempt || event.status !== 'progress' || event.task_id !== taskId) continue;
      held.progress = event;
      this.#history.update(event);
    }
    return Promise.resolve();
  }

  async reap(): Promise<Reaped[]> {
    const now = this.#now();
    const out: Reaped[] = [];
    const ops: (JournalOp | undefined)[] = [];
    for (const held of [...this.#held.values()]) {
      if (held.startedAt === '' || held.leaseUntil > now.getTime()) continue;
      if (held.task.rerun && !held.cancelRequested) {
        this.#endRunning(held, undefined);
        this.#enqueue(held);
        this.#history.update(held.queued);
        out.push({ id: held.id, owner: held.owner, outcome: 'requeued' });
        continue;
      }
      const event = abandonedEvent(held.id, held.task.task, held.worker, held.startedAt, held.cancelRequested, now);
      this.#endRunning(held, event);
      ops.push(journalOp(held.seq, event));
      out.push({ id: held.id, owner: held.owner, outcome: 'ended', event });
    }
    for (const op of ops) void this.#journal?.record(op);
    if (ops.length > 0) await this.#record(undefined);
    if (out.some((r) => r.outcome === 'requeued')) this.#wake({ kind: 'work' });
    return out;
  }

  status(taskId: string): Promise<StoredStatus | undefined> {
    const entry = this.#history.get(taskId);
    return Promise.resolve(entry === undefined ? undefined : { owner: entry.owner, event: entry.event });
  }

  ended(taskIds: readonly string[]): Promise<TaskStatusEvent[]> {
    const events: TaskStatusEvent[] = [];
    for (const taskId of taskIds) {
      const event = this.#history.get(taskId)?.event;
      if (event !== undefined && isTerminal(event.status)) events.push(event);
    }
    return Promise.resolve(events);
  }

  history(owner: string, limit: number): Promise<DatedEntry[]> {
    return Promise.resolve(Number.isInteger(limit) && limit > 0 ? this.#history.recent(owner, limit) : []);
  }

  announce(worker: WorkerInfo): Promise<void> {
    this.#workers.set(worker.id, { info: worker, seen: this.#now().getTime() });
    return Promise.resolve();
  }

  depart(workerId: string): Promise<void> {
    this.#workers.delete(workerId);
    return Promise.resolve();
  }

  stats(): Promise<StoreStats> {
    const byPriority: Record<number, number> = {};
    for (let p = 0; p <= 9; p++) byPriority[p] = this.#room.countAt(p);
    const since = this.#now().getTime() - this.#limits.leaseMs;
    const live = [...this.#workers.values()].filter((w) => w.seen >= since);
    return Promise.resolve({
      queued: this.#room.size, running: this.#running, byPriority, users: this.#room.users,
      workers: live.length, slots: live.reduce((sum, w) => sum + w.info.slots, 0),
    });
  }

  active(owner: string | undefined, limit: number): Promise<ActiveTaskEntry[]> {
    const mine = [...this.#held.values()].filter((held) => owner === undefined || held.owner === owner);
    // Ties of the start time: by priority, then admission (as the PostgreSQL store orders them).
    const running = mine.filter((held) => held.startedAt !== '').sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.priority - b.priority));
    // The map keeps admission order, and sort is stable: waiting tasks by priority, then admission.
    const waiting = mine.filter((held) => held.startedAt === '').sort((a, b) => a.priority - b.priority);
    return Promise.resolve([...running, ...waiting].slice(0, Math.max(0, limit)).map((held) => activeEntry(held)));
  }

  prune(): Promise<number> {
    return Promise.resolve(0);
  }

  onWake(listener: (wake: Wake) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }

  /** Into the waiting room (admitted, or re-queued after its lease expired). */
  #enqueue(held: HeldTask): void {
    held.entry = this.#room.add(held, held.priority);
    held.startedAt = '';
    held.worker = '';
    this.#held.set(held.id, held);
    if (held.task.bytes > 0) {
      this.#bytesByUser.set(held.owner, (this.#bytesByUser.get(held.owner) ?? 0) + held.task.bytes);
      this.#bytes += held.task.bytes;
    }
  }

  /** A waiting task leaves without running (cancel, a failed journal write) and ends with `event`. */
  #leaveRoom(held: HeldTask, event: TaskStatusEvent): void {
    if (held.entry !== undefined) this.#room.remove(held.entry);
    this.#unholdBytes(held);
    held.entry = undefined;
    this.#held.delete(held.id);
    this.#history.update(event);
  }

  /** A running task frees its slot; `event` (terminal) ends it, undefined leaves it to be queued again. */
  #endRunning(held: HeldTask, event: TaskStatusEvent | undefined): void {
    if (held.entry !== undefined) this.#room.release(held.entry.lane);
    held.entry = undefined;
    this.#running -= 1;
    if (event === undefined) return;
    this.#held.delete(held.id);
    this.#history.update(event);
    this.#wake({ kind: 'work' });
  }

  #unholdBytes(held: HeldTask): void {
    const bytes = held.task.bytes;
    if (bytes === 0) return;
    const left = (this.#bytesByUser.get(held.owner) ?? 0) - bytes;
    if (left > 0) this.#bytesByUser.set(held.owner, left);
    else this.#bytesByUser.delete(held.owner);
    this.#bytes -= bytes;
  }

  /** Awaits the journal's commit of `op` (nothing without a journal). */
  async #record(op: JournalOp | undefined): Promise<void> {
    if (this.#journal !== undefined) await this.#journal.record(op);
  }

  #wake(wake: Wake): void {
    for (const listener of this.#listeners) listener(wake);
  }
}
