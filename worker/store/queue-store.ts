/**
 * The queue store: where accepted tasks wait, who runs them and how each one ends (docs/queue-store.md).
 * Two implementations keep the same rules: the embedded store of one machine (embedded-store.ts, over
 * the in-memory waiting room and the optional SQLite journal) and the PostgreSQL store that several
 * workers on several machines pull from (postgres-store.ts).
 *
 * The rules every implementation keeps (docs/task-semantics.md, docs/fairness-and-abuse.md):
 * - `admit` applies the caps (per user and global, counts and params bytes) and rejects at once;
 * - `claim` hands out the next task: lowest priority number first; within a priority, users take
 *   turns; each user's tasks in submission order; a user at `perUserMaxRunning` is skipped;
 * - each task reaches a terminal state exactly once: whichever of `finish`, `cancel` (queued) and
 *   `reap` (expired lease, no rerun) changes it returns the terminal event, every other call gets
 *   false or undefined, so exactly one caller publishes it;
 * - a claim holds a lease that `heartbeat` renews; a task whose lease expired is queued again
 *   (`rerun`) or ended with ERR_WORKER_LOST by `reap`.
 */
import type { TaskStatusEvent, TerminalStatus } from '../../shared/task-status.ts';
import type { JournalTask } from '../journal/journal-types.ts';
import type { RetentionSettings } from '../journal/store-settings.ts';
import type { DatedEntry } from '../task-history.ts';
import type { ActiveTaskEntry } from '../task-list.ts';

/**
 * What a worker needs to run a task on any machine: the fields of a journaled task
 * (worker/journal/journal-types.ts) without its row number and its `queued` event. `priority` is
 * 0 (runs first) .. 9; `input` is the JSON of `[args, kwargs]` as submitted.
 */
export type QueueTask = Omit<JournalTask, 'seq' | 'event'>;

/** A task to admit. */
export interface NewTask extends QueueTask {
  /** Params bytes counted against the byte caps (0 for params of at most queueBytesDefaults.small). */
  readonly bytes: number;
  /** The definition's `rerunOnRestart`: a task whose lease expired is queued again instead of ended. */
  readonly rerun: boolean;
}

/** A task handed to a worker by `claim`. */
export interface ClaimedTask extends QueueTask {
  /** 1 for the first claim, +1 for each claim after a lease expired; `finish` must name it. */
  readonly attempt: number;
  /** The `started` event recorded by the claim. */
  readonly started: TaskStatusEvent;
}

/** A task's owner and latest recorded event (for a running task, its latest recorded progress if any). */
export interface StoredStatus {
  readonly owner: string;
  readonly event: TaskStatusEvent;
}

export type CancelOutcome =
  /** It was waiting: it ended now with this `cancelled` event (publish it). */
  | { readonly state: 'queued'; readonly owner: string; readonly event: TaskStatusEvent }
  /** It is running on `worker`: a cancel request was recorded and that worker is woken (`Wake.cancel`). */
  | { readonly state: 'running'; readonly owner: string; readonly worker: string }
  /** It had ended already. */
  | { readonly state: 'finished'; readonly owner: string; readonly status: TerminalStatus };

/** The latest progress event of a running task, for `progress`. */
export interface ProgressUpdate {
  readonly taskId: string;
  /** The claim's attempt: progress of an attempt that no longer runs is dropped. */
  readonly attempt: number;
  readonly event: TaskStatusEvent;
}

/** What `heartbeat` learnt about the tasks this worker runs. */
export interface HeartbeatResult {
  /** Leases renewed. */
  readonly renewed: number;
  /** Running here with a cancel request (a missed wake-up): abort them. */
  readonly cancelRequested: readonly string[];
  /**
   * Named, but no longer running under this worker: ended, or reaped after their lease ran out (the
   * worker was too slow to renew it). Stop them: their end would be refused, and a rerun task may
   * already run elsewhere.
   */
  readonly lost: readonly string[];
}

/** What `reap` did with one task whose lease expired. */
export type Reaped =
  | { readonly id: string; readonly owner: string; readonly outcome: 'requeued' }
  /** Ended with ERR_WORKER_LOST: publish `event`. */
  | { readonly id: string; readonly owner: string; readonly outcome: 'ended'; readonly event: TaskStatusEvent };

export interface StoreStats {
  readonly queued: number;
  readonly running: number;
  /** Waiting tasks per priority 0..9 (every key present). */
  readonly byPriority: Readonly<Record<number, number>>;
  /** Users with waiting or running tasks. */
  readonly users: number;
  /** Workers that announced themselves within the last `leaseMs`, and their slots in all. */
  readonly workers: number;
  readonly slots: number;
}

/** A worker pulling from the store, as it announces itself. */
export interface WorkerInfo {
  readonly id: string;
  /** Tasks it runs at once. */
  readonly slots: number;
  /** Where it runs (os.hostname()) and its process id, for the operators. */
  readonly host: string;
  readonly pid: number;
}

/** Why a worker is woken: work may be waiting, or one of its running tasks is to be cancelled. */
export type Wake =
  | { readonly kind: 'work' }
  | { readonly kind: 'cancel'; readonly taskId: string; readonly worker: string };

/** The caps and lease of a store (the same values on every worker sharing it). */
export interface QueueLimits {
  /** Waiting tasks, all users. */
  readonly maxQueued: number;
  /** Waiting tasks of one user. */
  readonly perUserMaxQueued: number;
  /** Running tasks of one user, over every worker. */
  readonly perUserMaxRunning: number;
  /** Params bytes one user's waiting tasks may hold. */
  readonly perUserQueuedBytes: number;
  /** Params bytes all waiting tasks may hold. */
  readonly maxQueuedBytes: number;
  /** How long a claim holds a task without a heartbeat, ms. */
  readonly leaseMs: number;
}

export interface QueueStore {
  /** Which implementation, for logs and metrics. */
  readonly kind: 'embedded' | 'postgres';
  /**
   * Accepts a task as `queued` and returns its `queued` event, or rejects with UserQueueLimitError,
   * QueueFullError, QueueBytesLimitError (nothing stored); a TypeError for a duplicate id.
   */
  admit(task: NewTask): Promise<TaskStatusEvent>;
  /** The next task for a free slot of `worker`, now `running` under a lease; undefined when none may start. */
  claim(worker: string): Promise<ClaimedTask | undefined>;
  /**
   * Ends a running task of `attempt` with a terminal `event`. True when this call ended it; false
   * when it had ended already (cancelled while queued, reaped after its lease expired, finished before).
   */
  finish(taskId: string, attempt: number, event: TaskStatusEvent): Promise<boolean>;
  /** Cancels a waiting task (ends it) or asks the worker running it to stop; undefined for an unknown id. */
  cancel(taskId: string): Promise<CancelOutcome | undefined>;
  /**
   * Renews the leases of `taskIds`, the tasks `worker` runs now. Only those: a task whose end could not
   * be recorded, or one claimed under the same worker id before a restart, must see its lease run out.
   */
  heartbeat(worker: string, taskIds: readonly string[]): Promise<HeartbeatResult>;
  /**
   * Records the latest progress of running tasks (a batch; the worker sends at most one per task and
   * interval), so that `status`, `history` and `active` answer it on every worker. An update for a task
   * that no longer runs under that attempt is dropped.
   */
  progress(updates: readonly ProgressUpdate[]): Promise<void>;
  /** Says that `worker` is alive (at start and with every heartbeat); `stats` counts it for `leaseMs`. */
  announce(worker: WorkerInfo): Promise<void>;
  /** `worker` stops pulling (a clean stop): it is no longer counted. */
  depart(workerId: string): Promise<void>;
  /** Re-queues or ends the running tasks whose lease expired (any worker may call it). */
  reap(): Promise<Reaped[]>;
  /** The latest event of a task (any owner), or undefined. */
  status(taskId: string): Promise<StoredStatus | undefined>;
  /** The terminal events of those of `taskIds` that have ended (any order): one query for many followed tasks. */
  ended(taskIds: readonly string[]): Promise<TaskStatusEvent[]>;
  /** The latest event of each of `owner`'s tasks with when it was admitted, newest admitted first, at most `limit`. */
  history(owner: string, limit: number): Promise<DatedEntry[]>;
  stats(): Promise<StoreStats>;
  /**
   * Waiting and running tasks (`owner`'s, or everyone's when undefined), in the order of
   * worker/task-list.ts: running by start (ties by priority, then submission), then waiting by
   * priority and submission; at most `limit`. A running task carries its latest recorded progress.
   */
  active(owner: string | undefined, limit: number): Promise<ActiveTaskEntry[]>;
  /**
   * Deletes finished tasks older than `maxAgeDays`, then all but the `maxTasks` last finished (the
   * journal's retention, docs/durability.md), and workers not seen for a day; returns how many tasks.
   * The embedded store's history and journal bound themselves, so it deletes nothing.
   */
  prune(retention: RetentionSettings): Promise<number>;
  /** Calls `listener` on each wake-up; returns the function that stops it. */
  onWake(listener: (wake: Wake) => void): () => void;
  /** Releases connections and listeners; idempotent. Tasks stay as they are. */
  close(): Promise<void>;
}
