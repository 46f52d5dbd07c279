/**
 * What the task journal records (docs/durability.md): one row per accepted task, written when it is
 * accepted (`add`, state `queued`) and updated when it starts and when it ends (`update`). Progress
 * events are not journaled.
 */
import type { TaskStatusEvent, TerminalStatus } from '../../shared/task-status.ts';

export type JournalState = 'queued' | 'running' | TerminalStatus;

/** A newly accepted task: enough to run it again after a restart. */
export interface JournalTask {
  /** Its row: submission order, allocated by TaskJournal.nextSeq(). */
  readonly seq: number;
  readonly id: string;
  /** authid and role of the submitter. */
  readonly owner: string;
  readonly role: string;
  /** The task name. */
  readonly task: string;
  readonly priority: number;
  /** JSON of `[args, kwargs]` as submitted (validated again when re-queued). */
  readonly input: string;
  /** The `queued` event. */
  readonly event: TaskStatusEvent;
}

export type JournalOp =
  | { readonly kind: 'add'; readonly task: JournalTask }
  | { readonly kind: 'update'; readonly seq: number; readonly id: string; readonly state: Exclude<JournalState, 'queued'>; readonly event: TaskStatusEvent };

/** A task as read back from the journal. */
export interface StoredTask extends JournalTask {
  readonly state: JournalState;
  /** When it was accepted, ms since the epoch. */
  readonly queuedAt: number;
}

export interface LoadedJournal {
  /** Queued and running tasks, in submission order. */
  readonly active: readonly StoredTask[];
  /** Finished tasks within retention, oldest finished first. */
  readonly finished: readonly StoredTask[];
}

/** The storage under the journal (sqlite-store.ts). Every method is synchronous and throws an AppError. */
export interface JournalStore {
  /** The file, for messages (`:memory:` for an in-memory database). */
  readonly file: string;
  /** The id of the worker this file belongs to (task ids start with it: worker/task-ids.ts). */
  readonly workerId: string;
  /** The highest row number in the file (0 when empty): new rows continue from it. */
  readonly lastSeq: number;
  /** Applies `ops` in order, in one transaction (all or none); StoreWriteError. */
  write(ops: readonly JournalOp[]): void;
  load(): LoadedJournal;
  /** Deletes finished tasks beyond retention (count, age); returns how many. */
  prune(nowMs: number): number;
  /** Checkpoints and closes; idempotent. */
  close(): void;
}
