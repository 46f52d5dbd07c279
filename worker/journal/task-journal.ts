/**
 * Group commit for the task journal (docs/durability.md). Operations recorded during one turn of the
 * event loop are written in one transaction from a setImmediate, then `onCommitted` receives them (or
 * the write error): the task service lets the replies and status events of that batch go only then,
 * so an id or event is never seen before it is on disk. Finished tasks beyond retention are pruned
 * every PRUNE_EVERY terminal writes and at open and close.
 */
import type { Logger } from '../../shared/logger.ts';
import type { JournalOp, JournalStore, LoadedJournal } from './journal-types.ts';

/** Terminal writes between two prunes: amortises the prune's index walk. */
export const PRUNE_EVERY = 1000;

export interface TaskJournalOptions {
  readonly store: JournalStore;
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The end of one batch: resolved when written, rejected with the StoreWriteError otherwise. */
export type Commit = Promise<undefined>;

export class TaskJournal {
  readonly #store: JournalStore;
  readonly #log: Logger;
  readonly #now: () => number;
  #ops: JournalOp[] = [];
  #batch: PromiseWithResolvers<undefined> | undefined;
  #scheduled = false;
  #terminalWrites = 0;
  #lastSeq: number;
  #closed = false;
  /** Called after each batch with its ops and the write error, before its promise settles. */
  onCommitted: (ops: readonly JournalOp[], error: Error | undefined) => void = () => undefined;

  constructor(options: TaskJournalOptions) {
    this.#store = options.store;
    this.#log = options.logger.child({ component: 'task-journal' });
    this.#now = options.now ?? Date.now;
    this.#lastSeq = options.store.lastSeq;
  }

  /** The row number of a new task (submission order; the rows are found by it, not by task id). */
  nextSeq(): number {
    this.#lastSeq += 1;
    return this.#lastSeq;
  }

  get file(): string {
    return this.#store.file;
  }

  /** The worker id kept in the file: the same after every restart. */
  get workerId(): string {
    return this.#store.workerId;
  }

  /** Reads the journal after pruning it (start-up). */
  load(): LoadedJournal {
    const pruned = this.#store.prune(this.#now());
    if (pruned > 0) this.#log.info({ pruned, file: this.#store.file }, 'task journal: finished tasks beyond retention deleted');
    return this.#store.load();
  }

  /** Records `op` (or nothing: just a turn) in the current batch; returns the batch's commit. */
  record(op?: JournalOp): Commit {
    if (op !== undefined) this.#ops.push(op);
    const batch = (this.#batch ??= Promise.withResolvers<undefined>());
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => { this.commit(); });
    }
    return batch.promise;
  }

  /** Writes the current batch now (also called by the scheduled turn and by close). */
  commit(): void {
    this.#scheduled = false;
    const ops = this.#ops;
    const batch = this.#batch;
    this.#ops = [];
    this.#batch = undefined;
    let error: Error | undefined;
    try {
      if (this.#closed && ops.length > 0) throw new Error('the task journal is closed');
      this.#store.write(ops);
      this.#afterWrite(ops);
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
      this.#log.error({ err: error, ops: ops.length, file: this.#store.file }, 'task journal write failed: the batch\'s submissions are refused');
    }
    this.onCommitted(ops, error);
    if (batch === undefined) return;
    if (error === undefined) batch.resolve(undefined);
    else {
      batch.promise.catch(() => undefined); // a batch nobody waits for (events only) must not be an unhandled rejection
      batch.reject(error);
    }
  }

  /** Writes what is pending, prunes, closes the store. */
  close(): void {
    if (this.#closed) return;
    this.commit();
    this.#closed = true;
    try {
      this.#store.prune(this.#now());
    } finally {
      this.#store.close();
    }
  }

  #afterWrite(ops: readonly JournalOp[]): void {
    for (const op of ops) if (op.kind === 'update' && op.state !== 'running') this.#terminalWrites += 1;
    if (this.#terminalWrites < PRUNE_EVERY) return;
    this.#terminalWrites = 0;
    try {
      this.#store.prune(this.#now());
    } catch (error) {
      this.#log.warn({ err: error, file: this.#store.file }, 'task journal: pruning failed (retried later)');
    }
  }
}
