/**
 * What only the PostgreSQL queue store has (docs/queue-store.md): its versioned schema, created once
 * by workers starting together and refused when newer than the code, connection errors that name the
 * server without its password, and a wake-up connection that comes back after it was cut.
 */
import { expect } from 'chai';
import pg from 'pg';
import { StoreOpenError, StoreUnavailableError } from '../../shared/errors.ts';
import { SCHEMA_VERSION } from '../../worker/store/postgres-schema.ts';
import { PostgresQueueStore } from '../../worker/store/postgres-store.ts';
import { StorePuller } from '../../worker/store/store-puller.ts';
import type { TaskStatusEvent } from '../../shared/task-status.ts';
import type { QueueStore, Wake } from '../../worker/store/queue-store.ts';
import { describeWithTool } from '../helpers/external-tool.ts';
import { POSTGRES_TOOL, startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { newTask, OPEN_LIMITS } from '../helpers/queue-stores.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';
import { logFlushed, waitFor } from '../helpers/wait-for.ts';

describeWithTool(POSTGRES_TOOL.present, POSTGRES_TOOL.name, POSTGRES_TOOL.install)('queue store: postgres only', function () {
  this.timeout(30_000);
  let server: TestPostgres;
  let admin: pg.Client;
  let adminPid = 0;
  const open: QueueStore[] = [];

  async function openStore(schema: string, reconnectMs = 1000): Promise<PostgresQueueStore> {
    const store = await PostgresQueueStore.open({ connection: { ...server.connection }, schema, limits: OPEN_LIMITS, poolSize: 2, reconnectMs });
    open.push(store);
    return store;
  }

  /** Refuses new connections to the test database and cuts every one but the admin's (from another database, which may do so). */
  async function closeDatabase(): Promise<pg.Client> {
    const { database } = server.connection;
    const outside = new pg.Client({ ...server.connection, database: database === 'template1' ? 'postgres' : 'template1' });
    await outside.connect();
    await outside.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await outside.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2', [database, adminPid]);
    return outside;
  }

  async function reopenDatabase(outside: pg.Client): Promise<void> {
    await outside.query(`ALTER DATABASE ${server.connection.database} ALLOW_CONNECTIONS true`);
    await outside.end();
  }

  before(async () => {
    server = await startPostgres();
    admin = new pg.Client({ ...server.connection });
    await admin.connect();
    adminPid = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
  });
  after(async () => {
    await admin.end();
    await server.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('creates the schema once when three workers open it at the same time, at the current version', async () => {
    await Promise.all([openStore('racing'), openStore('racing'), openStore('racing')]);
    const rows = (await admin.query<{ value: string }>('SELECT value FROM racing.meta WHERE key = \'schema_version\'')).rows;
    expect(rows).to.deep.equal([{ value: String(SCHEMA_VERSION) }]);
    expect(Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM racing.totals')).rows[0]?.n)).to.equal(1);
  });

  it('refuses a schema written by a newer version, naming it', async () => {
    await openStore('newer');
    await admin.query('UPDATE newer.meta SET value = \'99\' WHERE key = \'schema_version\'');
    const error: unknown = await openStore('newer').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(StoreOpenError);
    expect((error as StoreOpenError).code).to.equal('ERR_STORE_OPEN');
    expect((error as Error).message).to.match(new RegExp(`schema newer has version 99, written by a newer asexor \\(this one knows ${String(SCHEMA_VERSION)}\\)`));
  });

  it('upgrades a version 1 schema in place, keeping its tasks (version 2 records progress and workers)', async () => {
    const old = await openStore('upgrade');
    const task = newTask('alice');
    await old.admit(task);
    await old.close();
    // What version 1 was: no progress column, no workers table.
    await admin.query('ALTER TABLE upgrade.tasks DROP COLUMN progress; DROP TABLE upgrade.workers; UPDATE upgrade.meta SET value = \'1\' WHERE key = \'schema_version\'');
    const store = await openStore('upgrade');
    expect((await admin.query<{ value: string }>('SELECT value FROM upgrade.meta WHERE key = \'schema_version\'')).rows).to.deep.equal([{ value: String(SCHEMA_VERSION) }]);
    const claimed = await store.claim('w1');
    expect(claimed?.id).to.equal(task.id);
    await store.progress([{ taskId: task.id, attempt: claimed!.attempt, event: { task_id: task.id, task: 'sleep', at: new Date().toISOString(), status: 'progress', progress: 0.5 } }]);
    expect((await store.status(task.id))?.event).to.include({ status: 'progress', progress: 0.5 });
    await store.announce({ id: 'w1', slots: 2, host: 'here', pid: 1 });
    expect(await store.stats()).to.include({ workers: 1, slots: 2 });
  });

  it('tells a worker at start that live workers apply other caps, naming them', async () => {
    const first = await openStore('caps');
    await first.announce({ id: 'w-other', slots: 2, host: 'elsewhere', pid: 7 });
    const { logger, lines } = recordingLogger('warn');
    const warnings = (): Record<string, unknown>[] => lines.filter((line) => line['flush'] === undefined);
    open.push(await PostgresQueueStore.open({ connection: { ...server.connection }, schema: 'caps', limits: OPEN_LIMITS, poolSize: 1, logger }));
    await logFlushed(logger, lines);
    expect(warnings(), 'the same caps: nothing to say').to.deep.equal([]);
    open.push(await PostgresQueueStore.open({ connection: { ...server.connection }, schema: 'caps', limits: { ...OPEN_LIMITS, perUserMaxRunning: 1 }, poolSize: 1, logger }));
    await logFlushed(logger, lines);
    const [warning] = warnings();
    expect(warning?.['msg']).to.match(/live workers sharing this queue apply other caps/);
    expect(warning?.['others']).to.deep.equal([{ worker: 'w-other', host: 'elsewhere', limits: OPEN_LIMITS }]);
  });

  it('refuses operations with ERR_STORE_UNAVAILABLE while the server refuses connections, and serves again after', async () => {
    const store = await openStore('outage');
    const waiting = newTask('alice');
    await store.admit(waiting);
    const outside = await closeDatabase();
    try {
      const operations: [string, () => Promise<unknown>][] = [
        ['admit', () => store.admit(newTask('alice'))], ['status', () => store.status(waiting.id)], ['claim', () => store.claim('w1')],
        ['cancel', () => store.cancel(waiting.id)], ['history', () => store.history('alice', 10)], ['reap', () => store.reap()],
      ];
      for (const [name, operation] of operations) {
        const error: unknown = await operation().then(() => undefined, (e: unknown) => e);
        expect(error, name).to.be.instanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).code).to.equal('ERR_STORE_UNAVAILABLE');
        expect((error as Error).message, name).to.match(/^the shared task queue "postgresql:\/\/.*" cannot be used now \(.+\); try again shortly$/);
      }
    } finally {
      await reopenDatabase(outside);
    }
    expect((await store.status(waiting.id))?.event.status, 'nothing was lost').to.equal('queued');
    expect(await store.claim('w1')).to.deep.include({ id: waiting.id, attempt: 1 });
    expect((await store.history('alice', 10)).map((h) => h.event.task_id), 'nothing was added').to.deep.equal([waiting.id]);
  });

  it('stops the tasks of a worker that could not renew their lease, leaves their end to a reaper: ERR_WORKER_LOST once the store is back', async () => {
    const store = await PostgresQueueStore.open({ connection: { ...server.connection }, schema: 'fenced', limits: { ...OPEN_LIMITS, leaseMs: 400 }, poolSize: 2 });
    open.push(store);
    const ended: TaskStatusEvent[] = [];
    const running = Promise.withResolvers<undefined>();
    const stopped = Promise.withResolvers<unknown>();
    const puller = new StorePuller({
      store, worker: 'w1', slots: 1, heartbeatMs: 50, reapMs: 100, leaseMs: 400, pollMs: 100,
      run: (task, signal) => new Promise((resolve) => {
        running.resolve(undefined);
        signal.addEventListener('abort', () => {
          stopped.resolve(signal.reason);
          resolve({ task_id: task.id, task: task.task, at: new Date().toISOString(), status: 'cancelled', duration: 0 });
        }, { once: true });
      }),
      ended: (_owner, event) => { ended.push(event); },
    });
    puller.start();
    try {
      const task = newTask('alice');
      await store.admit(task);
      await running.promise;
      const outside = await closeDatabase();
      try {
        expect(String(await stopped.promise)).to.match(/no longer this worker's \(its lease was not renewed for \d+ ms \(leaseMs 400\)\)/);
      } finally {
        await reopenDatabase(outside);
      }
      await waitFor(() => ended.length > 0, 'the end of the task');
      expect(ended).to.have.length(1);
      expect(ended[0]).to.deep.include({ task_id: task.id, status: 'error' });
      expect(ended[0]?.status === 'error' ? ended[0].error.code : undefined).to.equal('ERR_WORKER_LOST');
      expect((await store.status(task.id))?.event.status).to.equal('error');
    } finally {
      await puller.stop('cancel');
    }
  });

  it('records an end reached during a short outage once the store is back: the task\'s own success, not ERR_WORKER_LOST', async () => {
    const store = await PostgresQueueStore.open({ connection: { ...server.connection }, schema: 'blip', limits: { ...OPEN_LIMITS, leaseMs: 3000 }, poolSize: 2 });
    open.push(store);
    const ended: TaskStatusEvent[] = [];
    const running = Promise.withResolvers<(event: TaskStatusEvent) => void>();
    const puller = new StorePuller({
      store, worker: 'w1', slots: 1, heartbeatMs: 100, reapMs: 100, leaseMs: 3000, pollMs: 100,
      run: () => new Promise((resolve) => { running.resolve(resolve); }),
      ended: (_owner, event) => { ended.push(event); },
    });
    puller.start();
    try {
      const task = newTask('alice');
      await store.admit(task);
      const finish = await running.promise;
      const outside = await closeDatabase();
      try {
        finish({ task_id: task.id, task: task.task, at: new Date().toISOString(), status: 'success', result: 'done', duration: 0.1 });
        await new Promise((resolve) => setTimeout(resolve, 400)); // the end cannot be recorded now: tried again meanwhile
        expect(ended).to.deep.equal([]);
      } finally {
        await reopenDatabase(outside);
      }
      await waitFor(() => ended.length > 0, 'the end of the task');
      expect(ended).to.have.length(1);
      expect(ended[0]).to.deep.include({ task_id: task.id, status: 'success', result: 'done' });
      expect((await store.status(task.id))?.event.status).to.equal('success');
    } finally {
      await puller.stop('cancel');
    }
  });

  it('fails to open with ERR_STORE_OPEN naming the server without its password', async () => {
    const connection = `postgresql://asexor:s3cret@${encodeURIComponent('/nonexistent-socket-dir')}:5432/postgres`;
    const error: unknown = await PostgresQueueStore.open({ connection, limits: OPEN_LIMITS }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(StoreOpenError);
    expect((error as Error).message).to.include('postgresql://asexor@');
    expect((error as Error).message).to.not.include('s3cret');
  });

  it('refuses a schema name it would have to quote', async () => {
    const error: unknown = await PostgresQueueStore.open({ connection: { ...server.connection }, schema: 'bad"; DROP', limits: OPEN_LIMITS }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(TypeError);
  });

  it('reopens a lost wake-up connection, says `work` and so in the log, and is woken again afterwards', async () => {
    const { logger, lines } = recordingLogger('info');
    const store = await PostgresQueueStore.open({ connection: { ...server.connection }, schema: 'wakes', limits: OPEN_LIMITS, poolSize: 2, reconnectMs: 10, logger });
    open.push(store);
    const other = await openStore('wakes');
    const wakes: Wake[] = [];
    let notify: (() => void) | undefined;
    store.onWake((wake) => {
      wakes.push(wake);
      notify?.();
    });
    const woken = (count: number): Promise<void> => new Promise((resolve) => {
      notify = () => { if (wakes.length >= count) resolve(); };
      notify();
    });
    const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = \'LISTEN wakes_cancel\'');
    expect(cut.rowCount).to.equal(2);
    await woken(1);
    expect(wakes[0]).to.deep.equal({ kind: 'work' });
    await logFlushed(logger, lines);
    expect(lines.map((line) => line['msg'])).to.include.members(['queue store: the wake-up connection was lost; reconnecting', 'queue store: the wake-up connection is back']);
    // Both stores' listeners were cut; once `store`'s is back, an admission wakes it again.
    await other.admit(newTask('alice'));
    await woken(2);
    expect(wakes[1]).to.deep.equal({ kind: 'work' });
  });
});
