/**
 * Queue store benchmark (docs/queue-store.md): the embedded store beside the PostgreSQL store, at the
 * store level (no WAMP, no processes run), with 1, 2 and 3 workers:
 * - `store_admit_rate`: admissions per second, each worker admitting its share one at a time (its own
 *   connection pool for PostgreSQL), tasks of --users users;
 * - `store_task_rate`: tasks per second through claim → finish, all admitted beforehand, each worker
 *   a StorePuller with --slots slots whose run resolves at once.
 *
 *   node bench/tasks/queue-store.ts [--n 2000] [--users 10] [--slots 4]
 *
 * PostgreSQL: ASEXOR_PG_URL when set (a schema per run is created in it and dropped), else a throwaway
 * server from test/helpers/postgres.ts (Debian's postgresql; fsync off). The embedded store's workers
 * share its one object. Table on stdout, then one `BENCH {...}` line per figure.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { EmbeddedQueueStore } from '../../worker/store/embedded-store.ts';
import { PostgresQueueStore } from '../../worker/store/postgres-store.ts';
import type { QueueStore } from '../../worker/store/queue-store.ts';
import { StorePuller } from '../../worker/store/store-puller.ts';
import { startPostgres, type TestPostgres } from '../../test/helpers/postgres.ts';
import { newTask, OPEN_LIMITS } from '../../test/helpers/queue-stores.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' }, users: { type: 'string', default: '10' }, slots: { type: 'string', default: '4' } } });
const N = Number(values.n);
const USERS = Number(values.users);
const SLOTS = Number(values.slots);
const WORKERS = [1, 2, 3];
const limits = { ...OPEN_LIMITS, maxQueued: N + 1, perUserMaxQueued: N + 1 };

let server: TestPostgres | undefined;
const envUrl = process.env['ASEXOR_PG_URL'];
const connection: string | pg.PoolConfig = envUrl ?? { ...(server = await startPostgres()).connection };
let schemas = 0;
const usedSchemas: string[] = [];

/** `workers` handles on one fresh store of `kind`. */
async function openStores(kind: 'embedded' | 'postgres', workers: number): Promise<QueueStore[]> {
  if (kind === 'embedded') {
    const store = new EmbeddedQueueStore({ limits });
    return Array.from({ length: workers }, () => store);
  }
  schemas += 1;
  const schema = `bench_${String(process.pid)}_${String(schemas)}`;
  usedSchemas.push(schema);
  const out: QueueStore[] = [];
  for (let i = 0; i < workers; i++) out.push(await PostgresQueueStore.open({ connection, schema, limits, poolSize: 2 }));
  return out;
}

async function admitRate(kind: 'embedded' | 'postgres', workers: number): Promise<number> {
  const stores = await openStores(kind, workers);
  const tasks = Array.from({ length: N }, (_, i) => newTask(`user${String(i % USERS)}`));
  const started = performance.now();
  await Promise.all(stores.map(async (store, w) => {
    for (let i = w; i < N; i += workers) await store.admit(tasks[i]!);
  }));
  const rate = N / ((performance.now() - started) / 1000);
  await Promise.all(stores.map((s) => s.close()));
  return rate;
}

async function taskRate(kind: 'embedded' | 'postgres', workers: number): Promise<number> {
  const stores = await openStores(kind, workers);
  for (let i = 0; i < N; i++) await stores[0]!.admit(newTask(`user${String(i % USERS)}`));
  let ended = 0;
  const all = Promise.withResolvers<undefined>();
  const started = performance.now();
  const pullers = stores.map((store, w) => new StorePuller({
    store, worker: `w${String(w)}`, slots: SLOTS, heartbeatMs: 10_000, reapMs: 10_000,
    run: (task) => Promise.resolve({ task_id: task.id, task: task.task, at: new Date().toISOString(), status: 'success', result: null, duration: 0 }),
    ended: () => { if (++ended === N) all.resolve(undefined); },
  }));
  for (const p of pullers) p.start();
  await all.promise;
  const rate = N / ((performance.now() - started) / 1000);
  await Promise.all(pullers.map((p) => p.stop()));
  await Promise.all(stores.map((s) => s.close()));
  return rate;
}

const rows: { name: string; store: string; workers: number; value: number }[] = [];
try {
  for (const kind of ['embedded', 'postgres'] as const) {
    for (const workers of WORKERS) {
      rows.push({ name: 'store_admit_rate', store: kind, workers, value: await admitRate(kind, workers) });
      rows.push({ name: 'store_task_rate', store: kind, workers, value: await taskRate(kind, workers) });
      process.stderr.write(`${kind} ${String(workers)} worker(s) done\n`);
    }
  }
} finally {
  if (envUrl !== undefined) {
    const client = new pg.Client({ connectionString: envUrl });
    await client.connect();
    for (const schema of usedSchemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  await server?.stop();
}
console.log(`n=${String(N)} users=${String(USERS)} slots=${String(SLOTS)}`);
console.log('figure            store     workers  per second');
for (const r of rows) console.log(`${r.name.padEnd(18)}${r.store.padEnd(10)}${String(r.workers).padStart(7)}  ${r.value.toFixed(0).padStart(10)}`);
for (const r of rows) console.log(`BENCH ${JSON.stringify({ name: r.name, store: r.store, workers: r.workers, value: Math.round(r.value), unit: r.name === 'store_admit_rate' ? 'admits/s' : 'tasks/s' })}`);
