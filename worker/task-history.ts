/**
 * The latest status event of every task the service knows, and per-user history. Memory is bounded:
 * tasks that are queued or running are always kept (status and cancel must find them; the queue bounds
 * their number), finished ones are evicted oldest-finished first beyond `perUser` per user and beyond
 * `maxFinished` over all users. An evicted id is then unknown, like an id that never existed.
 */
import { isTerminal, type TaskStatusEvent } from '../shared/task-status.ts';

export interface TaskHistoryOptions {
  /** Finished tasks kept per user. @default 100 */
  readonly perUser?: number;
  /** Finished tasks kept over all users. @default 10_000 */
  readonly maxFinished?: number;
}

export const taskHistoryDefaults = { perUser: 100, maxFinished: 10_000 } as const;

export interface HistoryEntry {
  /** authid of the submitter. */
  readonly owner: string;
  /** The latest event. */
  readonly event: TaskStatusEvent;
}

interface MutableEntry {
  readonly owner: string;
  event: TaskStatusEvent;
  /** When the task was accepted (the `at` of its first event), ms since the epoch. */
  readonly since: number;
}

/** A kept task's latest event and when it was accepted (ms since the epoch). */
export interface DatedEntry {
  readonly since: number;
  readonly event: TaskStatusEvent;
}

interface UserLog {
  /** Every kept task of the user, in submission order. */
  readonly ids: Set<string>;
  /** The user's finished tasks, in finishing order (eviction order). */
  readonly finished: Set<string>;
}

function checkBound(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`Expected \`${name}\` to be an integer from 1 and up, got \`${String(value)}\` (${typeof value})`);
  return value;
}

export class TaskHistory {
  readonly #perUser: number;
  readonly #maxFinished: number;
  readonly #entries = new Map<string, MutableEntry>();
  readonly #users = new Map<string, UserLog>();
  /** Finished tasks of all users, in finishing order. */
  readonly #finished = new Set<string>();

  constructor(options: TaskHistoryOptions = {}) {
    this.#perUser = checkBound('historyPerUser', options.perUser ?? taskHistoryDefaults.perUser);
    this.#maxFinished = checkBound('maxFinished', options.maxFinished ?? taskHistoryDefaults.maxFinished);
  }

  get perUser(): number {
    return this.#perUser;
  }

  /** Tasks kept (active and finished). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records a newly accepted task with its first event. `since` defaults to the event's `at`
   * (millisecond resolution); the service passes a finer acceptance time for live submissions, so
   * that histories merged from several workers (worker/cluster/) order tasks accepted within the
   * same millisecond on different workers as they happened.
   */
  add(owner: string, event: TaskStatusEvent, since: number = Date.parse(event.at)): void {
    let log = this.#users.get(owner);
    if (log === undefined) {
      log = { ids: new Set(), finished: new Set() };
      this.#users.set(owner, log);
    }
    log.ids.add(event.task_id);
    this.#entries.set(event.task_id, { owner, event, since });
    if (isTerminal(event.status)) this.#finish(owner, log, event.task_id);
  }

  /** Replaces a known task's latest event; a terminal one makes the task evictable. Unknown ids are ignored. */
  update(event: TaskStatusEvent): void {
    const entry = this.#entries.get(event.task_id);
    if (entry === undefined) return;
    const wasTerminal = isTerminal(entry.event.status);
    entry.event = event;
    const log = this.#users.get(entry.owner);
    if (!wasTerminal && log !== undefined && isTerminal(event.status)) this.#finish(entry.owner, log, event.task_id);
  }

  get(taskId: string): HistoryEntry | undefined {
    return this.#entries.get(taskId);
  }

  /** The latest event of each of `owner`'s kept tasks, newest submission first, at most `limit`. */
  recent(owner: string, limit: number = this.#perUser): DatedEntry[] {
    const ids = this.#users.get(owner)?.ids;
    if (ids === undefined || limit < 1) return [];
    const all = [...ids];
    const out: DatedEntry[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const entry = this.#entries.get(all[i] ?? '');
      if (entry !== undefined) out.push({ since: entry.since, event: entry.event });
    }
    return out;
  }

  #finish(owner: string, log: UserLog, taskId: string): void {
    log.finished.add(taskId);
    this.#finished.add(taskId);
    while (log.finished.size > this.#perUser) this.#evict(owner, log, firstOf(log.finished));
    while (this.#finished.size > this.#maxFinished) {
      const oldest = firstOf(this.#finished);
      const oldestOwner = this.#entries.get(oldest)?.owner ?? '';
      const oldestLog = this.#users.get(oldestOwner);
      if (oldestLog === undefined) this.#finished.delete(oldest);
      else this.#evict(oldestOwner, oldestLog, oldest);
    }
  }

  #evict(owner: string, log: UserLog, taskId: string): void {
    this.#entries.delete(taskId);
    this.#finished.delete(taskId);
    log.ids.delete(taskId);
    log.finished.delete(taskId);
    if (log.ids.size === 0) this.#users.delete(owner);
  }
}

function firstOf(set: ReadonlySet<string>): string {
  for (const value of set) return value;
  return '';
}
