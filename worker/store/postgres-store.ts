/**
 * The queue store on PostgreSQL (docs/queue-store.md): one shared queue that every worker pulls from.
 * Each operation is one short transaction. Locks are always taken in one order, so that concurrent
 * workers never deadlock: a running task's row, then user lanes (in owner order), then a queued
 * task's row, then the `totals` row. A claim takes the first lane in ring order that is not locked
 * (FOR UPDATE SKIP LOCKED), so concurrent claimers serve different users at once; a transaction that
 * leaves a claimable lane behind sends a `work` notification, so that a claimer that skipped it tries
 * again. Terminal transitions are single conditional UPDATEs (`WHERE state = 'running' AND attempt =
 * $n`): exactly one of finish, cancel and reap ends a task. Leases use the server's clock; events carry
 * the worker's (`now`).
 */
import pg from 'pg';
import { AppError, QueueBytesLimitError, QueueFullError, StoreOpenError, StoreUnavailableError, UserQueueLimitError } from '../../shared/errors.ts';
import { isPriority, priorityMessage } from '../task-queue-options.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { isTerminal, type TaskStatusEvent, type TerminalStatus } from '../../shared/task-status.ts';
import type { RetentionSettings } from '../journal/store-settings.ts';
import type { DatedEntry } from '../task-history.ts';
import type { ActiveTaskEntry } from '../task-list.ts';
import { checkSchemaName, migrate } from './postgres-schema.ts';
import { wakeChannels, WakeListener, type WakeChannels } from './postgres-wake.ts';
import type { CancelOutcome, ClaimedTask, HeartbeatResult, NewTask, ProgressUpdate, QueueLimits, QueueStore, Reaped, StoreStats, StoredStatus, Wake, WorkerInfo } from './queue-store.ts';
import { abandonedEvent, cancelledWaitingEvent, queuedEvent } from './store-rules.ts';

export interface PostgresStoreOptions {
  /** A libpq URL (`postgresql://user@host/db`, from the environment, never a committed file) or `pg` settings. */
  readonly connection: string | pg.PoolConfig;
  readonly limits: QueueLimits;
  /** The schema holding the tables; several deployments may share one database under different schemas. @default 'asexor' */
  readonly schema?: string;
  /** Connections for operations (the wake-up listener has one more). @default 4 */
  readonly poolSize?: number;
  /** How long opening a connection may take before the operation fails (ERR_STORE_UNAVAILABLE). @default 10000 */
  readonly connectTimeoutMs?: number;
  /** Delay before the wake-up connection is opened again after it was lost. @default 1000 */
  readonly reconnectMs?: number;
  /** @default silentLogger() */
  readonly logger?: Logger;
  /** Clock of the events' `at`. @default () => new Date() */
  readonly now?: () => Date;
}

export const postgresStoreDefaults = { schema: 'asexor', poolSize: 4, reconnectMs: 1000, connectTimeoutMs: 10_000 } as const;

/** A task's latest event: its recorded progress while it runs, else its last state change. */
const LATEST_EVENT = `CASE WHEN state = 'running' AND progress IS NOT NULL THEN progress ELSE event END`;

/** Tasks one `reap` call handles at most (the rest on the next call). */
const REAP_BATCH = 100;
/** Attempts of a transaction PostgreSQL aborted as a deadlock or serialisation failure. */
const TX_ATTEMPTS = 3;
const RETRYABLE: ReadonlySet<string> = new Set(['40001', '40P01']);

/** Where the store is, for messages: the URL without its password, or host/port/database. */
export function describeConnection(connection: string | pg.PoolConfig): string {
  if (typeof connection !== 'string') return `postgresql://${connection.user ?? ''}@${connection.host ?? ''}:${String(connection.port ?? '')}/${connection.database ?? ''}`;
  try {
    const url = new URL(connection);
    url.password = '';
    return url.toString();
  } catch {
    return 'postgresql (unparsable connection string)';
  }
}

/**
 * SQLSTATEs of a server that cannot serve now (docs/queue-store.md): connection exceptions (class 08),
 * shutting down or starting (57P01-57P03), out of connections or resources (53xxx), a database that does
 * not accept connections now (55000).
 */
const UNAVAILABLE_STATES = /^(08|57P0[123]|53|55000$)/;
/** Node's errors of a network or socket that cannot be reached. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);
/** What `pg` says of a connection that ended or could not be made in time (no code of its own). */
const LOST_CONNECTION = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error/i;

/** Whether `error` says the server cannot be used now (worth retrying), as opposed to a bug or a refusal. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  return error instanceof Error && !(error instanceof AppError) && LOST_CONNECTION.test(error.message);
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Each worker applies its own caps (`asexor.maxQueued`, `asexor.perUser`, the byte caps, the lease) when
 * it admits and claims: workers configured otherwise than the live ones are told at start.
 */
async function warnOfOtherLimits(client: pg.PoolClient, schema: string, limits: QueueLimits, log: Logger): Promise<void> {
  const ours = JSON.stringify(limits);
  const others = (await client.query<{ id: string; host: string; limits: QueueLimits }>(`SELECT id, host, limits FROM ${schema}.workers
    WHERE seen_at > now() - (limits->>'leaseMs')::integer * interval '1 millisecond' AND limits <> $1::jsonb`, [ours])).rows;
  if (others.length === 0) return;
  log.warn({ limits: JSON.parse(ours) as unknown, others: others.map((o) => ({ worker: o.id, host: o.host, limits: o.limits })) },
    'queue store: live workers sharing this queue apply other caps or another lease (asexor.maxQueued, asexor.maxQueuedBytes, asexor.perUser, asexor.store.leaseMs): each worker applies its own when it admits and claims; give every worker the same');
}

/** A limit as an SQL integer: `Infinity` (allowed by worker/task-queue-options.ts) becomes the largest one. */
function sqlInt(limit: number): number {
  return Number.isFinite(limit) ? limit : 2_147_483_647;
}

function sqlBigint(limit: number): number {
  return Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER;
}

function checkPriority(priority: number): void {
  if (!isPriority(priority)) throw new TypeError(priorityMessage('priority', priority));
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface ClaimedRow { id: string; owner: string; role: string; task: string; priority: number; input: string; attempt: number; event: TaskStatusEvent }
interface TaskRow {
  seq: string; id: string; owner: string; role: string; task: string; priority: number; input: string; bytes: string;
  rerun: boolean; worker: string | null; attempt: number; event: TaskStatusEvent; queued_at: Date; cancel_requested: boolean;
}

export class PostgresQueueStore implements QueueStore {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  readonly #s: string;
  readonly #limits: QueueLimits;
  readonly #channels: WakeChannels;
  readonly #wake: WakeListener;
  readonly #now: () => Date;
  readonly #where: string;
  #closed: Promise<void> | undefined;

  private constructor(pool: pg.Pool, wake: WakeListener, schema: string, options: PostgresStoreOptions, where: string) {
    this.#pool = pool;
    this.#wake = wake;
    this.#s = schema;
    this.#limits = options.limits;
    this.#channels = wakeChannels(schema);
    this.#now = options.now ?? (() => new Date());
    this.#where = where;
  }

  /** Connects, creates or migrates the schema, starts listening; StoreOpenError naming the server. */
  static async open(options: PostgresStoreOptions): Promise<PostgresQueueStore> {
    const schema = checkSchemaName(options.schema ?? postgresStoreDefaults.schema);
    const where = describeConnection(options.connection);
    const log = (options.logger ?? silentLogger()).child({ component: 'queue-store', store: 'postgres' });
    const config: pg.PoolConfig = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
    // A connection attempt that hangs (packets dropped) fails after connectTimeoutMs instead of holding a call forever.
    const pool = new pg.Pool({ connectionTimeoutMillis: options.connectTimeoutMs ?? postgresStoreDefaults.connectTimeoutMs, ...config, max: options.poolSize ?? postgresStoreDefaults.poolSize });
    pool.on('error', (error) => { log.warn({ err: error }, 'queue store: an idle connection failed'); });
    const wake = new WakeListener(config, wakeChannels(schema), log, options.reconnectMs ?? postgresStoreDefaults.reconnectMs);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, schema, where);
        await warnOfOtherLimits(client, schema, options.limits, log);
      } finally {
        client.release();
      }
      await wake.start();
    } catch (error) {
      await wake.close();
      await pool.end().catch(() => undefined);
      throw error instanceof StoreOpenError ? error : new StoreOpenError(where, reason(error), { cause: error, store: 'PostgreSQL queue store' });
    }
    log.info({ where, schema }, 'queue store opened');
    return new PostgresQueueStore(pool, wake, schema, options, where);
  }

  async admit(task: NewTask): Promise<TaskStatusEvent> {
    checkPriority(task.priority);
    const now = this.#now();
    const event = queuedEvent(task.id, task.task, now);
    const l = this.#limits;
    let outcome: string | undefined;
    try {
      outcome = (await this.#pool.query<{ outcome: string }>({ name: `${this.#s}.admit`, text: `SELECT ${this.#s}.admit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) AS outcome`, values: [
        task.id, task.owner, task.role, task.task, task.priority, task.input, task.bytes, task.rerun, event, now,
        sqlInt(l.maxQueued), sqlInt(l.perUserMaxQueued), sqlBigint(l.perUserQueuedBytes), sqlBigint(l.maxQueuedBytes), this.#channels.work,
      ] })).rows[0]?.outcome;
    } catch (error) {
      if (sqlState(error) === '23505') throw new TypeError(`A task with id "${task.id}" is already in the queue store`);
      throw this.#unavailable(error);
    }
    switch (outcome) {
      case 'ok': return event;
      case 'user_bytes': throw new QueueBytesLimitError('user', l.perUserQueuedBytes);
      case 'all_bytes': throw new QueueBytesLimitError('all', l.maxQueuedBytes);
      case 'user_count': throw new UserQueueLimitError(task.owner, l.perUserMaxQueued);
      case 'all_count': throw new QueueFullError(l.maxQueued);
      default: throw new Error(`unexpected admission outcome ${String(outcome)} from ${this.#where}`);
    }
  }

  async claim(worker: string): Promise<ClaimedTask | undefined> {
    const row = (await this.#query<ClaimedRow>(`SELECT * FROM ${this.#s}.claim($1, $2, $3, $4, $5)`,
      [worker, sqlInt(this.#limits.perUserMaxRunning), this.#limits.leaseMs, this.#now().toISOString(), this.#channels.work], `${this.#s}.claim`)).rows[0];
    return row === undefined ? undefined : { id: row.id, owner: row.owner, role: row.role, task: row.task, priority: row.priority, input: row.input, attempt: row.attempt, started: row.event };
  }

  async finish(taskId: string, attempt: number, event: TaskStatusEvent): Promise<boolean> {
    if (!isTerminal(event.status) || event.task_id !== taskId) throw new TypeError(`finish needs a terminal event of task ${taskId}, got ${event.status} of ${event.task_id}`);
    const row = (await this.#query<{ ended: boolean }>(`SELECT ${this.#s}.finish($1, $2, $3, $4, $5, $6, $7) AS ended`,
      [taskId, attempt, event.status, event, this.#now(), sqlInt(this.#limits.perUserMaxRunning), this.#channels.work], `${this.#s}.finish`)).rows[0];
    return row?.ended === true;
  }

  async cancel(taskId: string): Promise<CancelOutcome | undefined> {
    const s = this.#s;
    // Each round either answers or saw the task change state meanwhile (claimed, ended, or re-queued after
    // its lease ran out, which takes a lease period): the loop ends.
    for (;;) {
      const row = (await this.#query<{ owner: string; state: string; task: string }>(`SELECT owner, state, task FROM ${s}.tasks WHERE id = $1`, [taskId])).rows[0];
      if (row === undefined) return undefined;
      const { owner, state } = row;
      if (state !== 'queued' && state !== 'running') return { state: 'finished', owner, status: state as TerminalStatus };
      if (state === 'running') {
        const asked = (await this.#query<{ worker: string }>(`WITH u AS (UPDATE ${s}.tasks SET cancel_requested = true WHERE id = $1 AND state = 'running' RETURNING id, worker)
          SELECT worker, pg_notify($2, json_build_object('taskId', id, 'worker', worker)::text) FROM u`, [taskId, this.#channels.cancel])).rows[0];
        if (asked !== undefined) return { state: 'running', owner, worker: asked.worker };
        continue;
      }
      const event = cancelledWaitingEvent(taskId, row.task, this.#now());
      const cancelled = await this.#tx(async (c) => {
        await c.query(`SELECT 1 FROM ${s}.lanes WHERE owner = $1 FOR UPDATE`, [owner]);
        const gone = (await c.query<{ bytes: string }>(`UPDATE ${s}.tasks SET state = 'cancelled', event = $2, finished_at = $3
          WHERE id = $1 AND state = 'queued' RETURNING bytes`, [taskId, event, this.#now()])).rows[0];
        if (gone === undefined) return false;
        await this.#leaveQueue(c, owner, Number(gone.bytes));
        return true;
      });
      if (cancelled) return { state: 'queued', owner, event };
    }
  }

  async heartbeat(worker: string, taskIds: readonly string[]): Promise<HeartbeatResult> {
    if (taskIds.length === 0) return { renewed: 0, cancelRequested: [], lost: [] };
    const rows = (await this.#query<{ id: string; cancel_requested: boolean }>(`UPDATE ${this.#s}.tasks SET lease_until = now() + $2 * interval '1 millisecond'
      WHERE id = ANY($3) AND worker = $1 AND state = 'running' RETURNING id, cancel_requested`, [worker, this.#limits.leaseMs, taskIds])).rows;
    const renewed = new Set(rows.map((r) => r.id));
    return { renewed: rows.length, cancelRequested: rows.filter((r) => r.cancel_requested).map((r) => r.id), lost: taskIds.filter((id) => !renewed.has(id)) };
  }

  async reap(): Promise<Reaped[]> {
    const s = this.#s;
    const max = sqlInt(this.#limits.perUserMaxRunning);
    return this.#tx(async (c) => {
      const expired = (await c.query<TaskRow>(`SELECT seq, id, owner, task, priority, bytes, rerun, worker, event, queued_at, cancel_requested FROM ${s}.tasks
        WHERE state = 'running' AND lease_until <= now() ORDER BY owner, seq LIMIT ${REAP_BATCH} FOR UPDATE SKIP LOCKED`)).rows;
      const out: Reaped[] = [];
      let requeued = 0;
      let requeuedBytes = 0;
      for (const row of expired) {
        const now = this.#now();
        if (row.rerun && !row.cancel_requested) {
          const bytes = Number(row.bytes);
          await c.query(`UPDATE ${s}.tasks SET state = 'queued', worker = NULL, lease_until = NULL, event = $2, progress = NULL WHERE seq = $1`,
            [row.seq, queuedEvent(row.id, row.task, row.queued_at)]);
          await c.query(`UPDATE ${s}.lanes SET running = running - 1, queued = queued + 1, queued_bytes = queued_bytes + $2,
              turn = CASE WHEN running >= $4 OR head_priority IS NULL OR $3 < head_priority THEN nextval('${s}.turn_seq') ELSE turn END,
              head_priority = LEAST(head_priority, $3)
            WHERE owner = $1`, [row.owner, bytes, row.priority, max]);
          requeued += 1;
          requeuedBytes += bytes;
          out.push({ id: row.id, owner: row.owner, outcome: 'requeued' });
          continue;
        }
        const event = abandonedEvent(row.id, row.task, row.worker ?? '', row.event.at, row.cancel_requested, now);
        await c.query(`UPDATE ${s}.tasks SET state = $2, event = $3, finished_at = $4, lease_until = NULL WHERE seq = $1`, [row.seq, event.status, event, now]);
        await this.#releaseSlot(c, row.owner);
        out.push({ id: row.id, owner: row.owner, outcome: 'ended', event });
      }
      if (requeued > 0) {
        await c.query(`WITH tot AS (UPDATE ${s}.totals SET queued = queued + $1, queued_bytes = queued_bytes + $2 WHERE id = 1 RETURNING 1)
          SELECT pg_notify($3, '')`, [requeued, requeuedBytes, this.#channels.work]);
      }
      return out;
    });
  }

  async status(taskId: string): Promise<StoredStatus | undefined> {
    const row = (await this.#query<{ owner: string; event: TaskStatusEvent }>(`SELECT owner, ${LATEST_EVENT} AS event FROM ${this.#s}.tasks WHERE id = $1`, [taskId])).rows[0];
    return row === undefined ? undefined : { owner: row.owner, event: row.event };
  }

  async ended(taskIds: readonly string[]): Promise<TaskStatusEvent[]> {
    if (taskIds.length === 0) return [];
    const rows = (await this.#query<{ event: TaskStatusEvent }>(`SELECT event FROM ${this.#s}.tasks
      WHERE id = ANY($1) AND state NOT IN ('queued', 'running')`, [taskIds])).rows;
    return rows.map((row) => row.event);
  }

  async history(owner: string, limit: number): Promise<DatedEntry[]> {
    if (!Number.isInteger(limit) || limit < 1) return [];
    const rows = (await this.#query<{ event: TaskStatusEvent; queued_at: Date }>(`SELECT ${LATEST_EVENT} AS event, queued_at FROM ${this.#s}.tasks
      WHERE owner = $1 ORDER BY seq DESC LIMIT $2`, [owner, limit])).rows;
    return rows.map((row) => ({ since: row.queued_at.getTime(), event: row.event }));
  }

  async progress(updates: readonly ProgressUpdate[]): Promise<void> {
    const rows = updates.filter((u) => u.event.status === 'progress' && u.event.task_id === u.taskId).map((u) => ({ id: u.taskId, attempt: u.attempt, event: u.event }));
    if (rows.length === 0) return;
    await this.#query(`UPDATE ${this.#s}.tasks t SET progress = u.event FROM jsonb_to_recordset($1::jsonb) AS u(id text, attempt integer, event jsonb)
      WHERE t.id = u.id AND t.attempt = u.attempt AND t.state = 'running'`, [JSON.stringify(rows)]);
  }

  async stats(): Promise<StoreStats> {
    const s = this.#s;
    const byPriority: Record<number, number> = {};
    for (let p = 0; p <= 9; p++) byPriority[p] = 0;
    const waiting = (await this.#query<{ priority: number; n: string }>(`SELECT priority, count(*) AS n FROM ${s}.tasks WHERE state = 'queued' GROUP BY priority`)).rows;
    let queued = 0;
    for (const row of waiting) {
      byPriority[row.priority] = Number(row.n);
      queued += Number(row.n);
    }
    const lanes = (await this.#query<{ running: string; users: string }>(`SELECT coalesce(sum(running), 0) AS running,
      count(*) FILTER (WHERE queued > 0 OR running > 0) AS users FROM ${s}.lanes`)).rows[0];
    const workers = (await this.#query<{ workers: string; slots: string }>(`SELECT count(*) AS workers, coalesce(sum(slots), 0) AS slots FROM ${s}.workers
      WHERE seen_at > now() - $1 * interval '1 millisecond'`, [this.#limits.leaseMs])).rows[0];
    return {
      queued, running: Number(lanes?.running ?? 0), byPriority, users: Number(lanes?.users ?? 0),
      workers: Number(workers?.workers ?? 0), slots: Number(workers?.slots ?? 0),
    };
  }

  async announce(worker: WorkerInfo): Promise<void> {
    await this.#query(`INSERT INTO ${this.#s}.workers (id, host, pid, slots, limits, seen_at) VALUES ($1, $2, $3, $4, $5, now())
      ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, slots = EXCLUDED.slots, limits = EXCLUDED.limits, seen_at = now()`,
    [worker.id, worker.host, worker.pid, worker.slots, JSON.stringify(this.#limits)]);
  }

  async depart(workerId: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#s}.workers WHERE id = $1`, [workerId]);
  }

  async active(owner: string | undefined, limit: number): Promise<ActiveTaskEntry[]> {
    const rows = (await this.#query<{ id: string; task: string; owner: string; state: 'queued' | 'running'; priority: number; queued_at: Date; started_at: string | null; progress: TaskStatusEvent | null }>(
      `SELECT id, task, owner, state, priority, queued_at, CASE WHEN state = 'running' THEN event->>'at' END AS started_at,
        CASE WHEN state = 'running' THEN progress END AS progress FROM ${this.#s}.tasks
        WHERE state IN ('queued', 'running') AND ($1::text IS NULL OR owner = $1)
        ORDER BY state = 'running' DESC, started_at, priority, seq LIMIT $2`, [owner ?? null, Math.max(0, limit)])).rows;
    return rows.map((row) => {
      const base = { task_id: row.id, task: row.task, owner: row.owner, priority: row.priority, queued_at: row.queued_at.toISOString() };
      if (row.started_at === null) return { ...base, status: 'queued' as const };
      const progress = row.progress?.status === 'progress' ? row.progress : undefined;
      return {
        ...base, status: 'running' as const, started_at: row.started_at,
        ...(progress === undefined ? {} : { progress: progress.progress, ...(progress.message === undefined ? {} : { message: progress.message }) }),
      };
    });
  }

  async prune(retention: RetentionSettings): Promise<number> {
    const s = this.#s;
    const old = await this.#query(`DELETE FROM ${s}.tasks WHERE finished_at IS NOT NULL AND finished_at < now() - $1 * interval '1 day'`, [retention.maxAgeDays]);
    await this.#query(`DELETE FROM ${s}.workers WHERE seen_at < now() - interval '1 day'`);
    const over = await this.#query(`DELETE FROM ${s}.tasks WHERE seq IN (SELECT seq FROM ${s}.tasks WHERE finished_at IS NOT NULL
      ORDER BY finished_at DESC, seq DESC OFFSET $1)`, [retention.maxTasks]);
    return (old.rowCount ?? 0) + (over.rowCount ?? 0);
  }

  onWake(listener: (wake: Wake) => void): () => void {
    return this.#wake.add(listener);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#wake.close();
      await this.#pool.end();
    })();
    return this.#closed;
  }

  /** A running task of `owner` ended (the schema's `release_slot`). */
  async #releaseSlot(c: pg.PoolClient, owner: string): Promise<void> {
    await c.query(`SELECT ${this.#s}.release_slot($1, $2, $3)`, [owner, sqlInt(this.#limits.perUserMaxRunning), this.#channels.work]);
  }

  /** A waiting task of `owner` (lane locked) left the queue without running: counts, head and turn. */
  async #leaveQueue(c: pg.PoolClient, owner: string, bytes: number): Promise<void> {
    const s = this.#s;
    await c.query(`WITH head AS (SELECT min(priority) AS p FROM ${s}.tasks WHERE owner = $1 AND state = 'queued'),
      lane AS (UPDATE ${s}.lanes l SET queued = queued - 1, queued_bytes = queued_bytes - $2,
          turn = CASE WHEN head.p IS NOT NULL AND head.p IS DISTINCT FROM l.head_priority THEN nextval('${s}.turn_seq') ELSE turn END,
          head_priority = head.p
        FROM head WHERE owner = $1 RETURNING queued, running),
      tot AS (UPDATE ${s}.totals SET queued = queued - 1, queued_bytes = queued_bytes - $2 WHERE id = 1 RETURNING 1)
      SELECT pg_notify($3, '') FROM lane WHERE queued > 0 AND running < $4`, [owner, bytes, this.#channels.work, sqlInt(this.#limits.perUserMaxRunning)]);
  }

  /** An error of the connection or of a server that cannot serve now as StoreUnavailableError; any other as it is. */
  #unavailable(error: unknown): unknown {
    return isUnavailable(error) ? new StoreUnavailableError(this.#where, reason(error), { cause: error }) : error;
  }

  /** One statement on a pooled connection; StoreUnavailableError when it fails. */
  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<pg.QueryResult<R>> {
    try {
      // A name makes it a prepared statement on each connection: parsed and planned once, not per call.
      return await this.#pool.query<R>(name === undefined ? { text, values } : { name, text, values });
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  /**
   * Runs `work` in one transaction on one connection; retried when PostgreSQL aborted it as a deadlock.
   * StoreUnavailableError when it fails otherwise.
   */
  async #tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect().catch((error: unknown) => { throw this.#unavailable(error); });
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        const rolledBack = await client.query('ROLLBACK').then(() => true, () => false);
        client.release(rolledBack ? undefined : true);
        if (attempt >= TX_ATTEMPTS || !RETRYABLE.has(sqlState(error) ?? '')) throw this.#unavailable(error);
      }
    }
  }
}
