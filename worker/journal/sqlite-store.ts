/**
 * The task journal in one SQLite file (node:sqlite, docs/durability.md). Opened in WAL mode with an
 * exclusive lock (one worker process per file: a second one gets a clear error), `synchronous` per the
 * settings, incremental auto-vacuum. Schema version in `user_version`; the worker id of the file (for
 * several workers, each with its own journal) in `meta`. Every failure to open is a StoreOpenError
 * naming the file; a failed write is a StoreWriteError and rolls the whole batch back.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreOpenError, StoreWriteError } from '../../shared/errors.ts';
import type { TaskStatusEvent } from '../../shared/task-status.ts';
import type { JournalOp, JournalState, JournalStore, LoadedJournal, StoredTask } from './journal-types.ts';
import type { RetentionSettings, SynchronousMode } from './store-settings.ts';
import { sqliteModule } from './sqlite-module.ts';
import { randomWorkerId, WORKER_ID, WORKER_PREFIX_CHARS } from '../task-ids.ts';

const SCHEMA_VERSION = 1;
const DAY_MS = 86_400_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tasks (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  worker TEXT NOT NULL,
  owner TEXT NOT NULL,
  role TEXT NOT NULL,
  task TEXT NOT NULL,
  priority INTEGER NOT NULL,
  input TEXT NOT NULL,
  state TEXT NOT NULL,
  event TEXT NOT NULL,
  queued_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS tasks_finished ON tasks (finished_at, seq) WHERE finished_at IS NOT NULL;
PRAGMA user_version = ${SCHEMA_VERSION};
`;

const COLUMNS = 'seq, id, owner, role, task, priority, input, state, event, queued_at';

export interface SqliteStoreOptions {
  /** Absolute path, or `:memory:`. */
  readonly file: string;
  readonly synchronous: SynchronousMode;
  readonly retention: RetentionSettings;
}

/** SQLite's primary result code of a node:sqlite error, and its text. */
function sqliteReason(error: unknown): { code: number | undefined; text: string } {
  const e = error as { errcode?: unknown; message?: unknown };
  return { code: typeof e.errcode === 'number' ? e.errcode & 0xff : undefined, text: typeof e.message === 'string' ? e.message : String(error) };
}

/** What to tell the operator for a failure to open, by SQLite result code. */
function openHint(code: number | undefined): string {
  switch (code) {
    case 5: case 6: return ' (another process holds the file: each worker needs its own journal)';
    case 8: return ' (the file or its folder is read-only)';
    case 11: case 26: return ' (not an SQLite database, or corrupt: restore a backup, or move the file away to start with an empty journal, which loses its tasks)';
    case 14: return ' (does the folder exist and may this user write to it?)';
    default: return '';
  }
}

function toOpenError(file: string, error: unknown): StoreOpenError {
  if (error instanceof StoreOpenError) return error;
  const { code, text } = sqliteReason(error);
  return new StoreOpenError(file, `${text}${openHint(code)}`, { cause: error });
}

function parseEvent(file: string, seq: number, text: unknown): TaskStatusEvent {
  try {
    const event = JSON.parse(String(text)) as TaskStatusEvent;
    if (typeof event.task_id === 'string' && typeof event.status === 'string') return event;
  } catch { /* reported below */ }
  throw new StoreOpenError(file, `row ${seq} holds no readable status event (corrupt journal: restore a backup, or move the file away)`);
}

export class SqliteStore implements JournalStore {
  readonly file: string;
  readonly workerId: string;
  readonly lastSeq: number;
  readonly #db: DatabaseSync;
  readonly #retention: RetentionSettings;
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  #closed = false;

  private constructor(file: string, db: DatabaseSync, retention: RetentionSettings) {
    this.file = file;
    this.#db = db;
    this.#retention = retention;
    this.workerId = this.#workerId();
    this.#insert = db.prepare('INSERT INTO tasks (seq, id, worker, owner, role, task, priority, input, state, event, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, \'queued\', ?, ?)');
    this.#update = db.prepare('UPDATE tasks SET state = ?, event = ?, finished_at = ? WHERE seq = ?');
    this.lastSeq = Number(db.prepare('SELECT max(seq) AS seq FROM tasks').get()?.['seq'] ?? 0);
  }

  /** Opens (creating it and its folder if needed), checks and locks the journal; StoreOpenError naming the file. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const { file } = options;
    const { DatabaseSync: Database } = await sqliteModule();
    let db: DatabaseSync | undefined;
    try {
      if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file, { timeout: 0 });
      db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA auto_vacuum = INCREMENTAL;');
      const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.['journal_mode'];
      if (file !== ':memory:' && mode !== 'wal') throw new StoreOpenError(file, `SQLite refused WAL mode (journal_mode is ${String(mode)})`);
      db.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'};`);
      const check = db.prepare('PRAGMA quick_check').all().map((row) => String(Object.values(row)[0]));
      if (check.join() !== 'ok') throw new StoreOpenError(file, `the integrity check failed (${check.slice(0, 3).join('; ')}): restore a backup, or move the file away to start with an empty journal`);
      const version = Number(db.prepare('PRAGMA user_version').get()?.['user_version'] ?? 0);
      if (version > SCHEMA_VERSION) throw new StoreOpenError(file, `schema version ${version} was written by a newer asexor (this one knows ${SCHEMA_VERSION})`);
      // Takes the exclusive lock now (held until close), so that a second process fails here, not later.
      db.exec(`BEGIN EXCLUSIVE; ${SCHEMA} COMMIT;`);
      return new SqliteStore(file, db, options.retention);
    } catch (error) {
      try { db?.close(); } catch { /* the open error is the one to report */ }
      throw toOpenError(file, error);
    }
  }

  write(ops: readonly JournalOp[]): void {
    if (ops.length === 0) return;
    const db = this.#db;
    try {
      db.exec('BEGIN');
      for (const op of ops) {
        if (op.kind === 'add') {
          const t = op.task;
          this.#insert.run(t.seq, t.id, this.workerId, t.owner, t.role, t.task, t.priority, t.input, JSON.stringify(t.event), Date.parse(t.event.at));
        } else {
          this.#update.run(op.state, JSON.stringify(op.event), op.state === 'running' ? null : Date.parse(op.event.at), op.seq);
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      try {
        if (db.isTransaction) db.exec('ROLLBACK');
      } catch { /* the write error is the one to report */ }
      throw new StoreWriteError(this.file, sqliteReason(error).text, { cause: error });
    }
  }

  load(): LoadedJournal {
    try {
      const active = this.#db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE finished_at IS NULL ORDER BY seq`).all().map((row) => this.#row(row));
      const finished = this.#db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, seq DESC LIMIT ?`)
        .all(this.#retention.maxTasks).map((row) => this.#row(row)).reverse();
      return { active, finished };
    } catch (error) {
      throw toOpenError(this.file, error);
    }
  }

  prune(nowMs: number): number {
    const db = this.#db;
    const cutoff = nowMs - this.#retention.maxAgeDays * DAY_MS;
    try {
      const old = db.prepare('DELETE FROM tasks WHERE finished_at IS NOT NULL AND finished_at < ?').run(cutoff).changes;
      const over = db.prepare(`DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE finished_at IS NOT NULL
        ORDER BY finished_at DESC, seq DESC LIMIT -1 OFFSET ?)`).run(this.#retention.maxTasks).changes;
      return Number(old) + Number(over);
    } catch (error) {
      throw new StoreWriteError(this.file, sqliteReason(error).text, { cause: error });
    }
  }

  /** Returns free pages to the file system (incremental auto-vacuum); for start-up and shutdown, not the hot path. */
  vacuum(): void {
    this.#db.exec('PRAGMA incremental_vacuum;');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.vacuum();
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE);');
    } finally {
      this.#db.close();
    }
  }

  #workerId(): string {
    const known = this.#db.prepare('SELECT value FROM meta WHERE key = \'worker_id\'').get()?.['value'];
    // A file written before task ids carried the worker id kept 16 hex characters: its first 8 are the id.
    if (typeof known === 'string' && WORKER_ID.test(known.slice(0, WORKER_PREFIX_CHARS))) return known.slice(0, WORKER_PREFIX_CHARS);
    const id = randomWorkerId();
    this.#db.prepare('INSERT INTO meta (key, value) VALUES (\'worker_id\', ?)').run(id);
    return id;
  }

  #row(row: Record<string, unknown>): StoredTask {
    const seq = Number(row['seq']);
    return {
      seq, id: String(row['id']), owner: String(row['owner']), role: String(row['role']), task: String(row['task']),
      priority: Number(row['priority']), input: String(row['input']), state: String(row['state']) as JournalState,
      event: parseEvent(this.file, seq, row['event']), queuedAt: Number(row['queued_at']),
    };
  }
}
