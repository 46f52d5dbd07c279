/**
 * The shared PostgreSQL queue end to end over WAMP (docs/queue-store.md), beside the embedded store
 * (`npm run bench:shared-queue`, i.e. `node bench/tasks/shared-queue.ts`; bench/README.md):
 * for 1, 2 and 3 `asexor worker --url` processes behind one `asexor router` (shared-queue-cluster.ts),
 * one cluster per store (`memory`, `sqlite`, `postgres`), all of one worker count up at once; in each
 * round every cluster is measured once, the order rotating from round to round. A measurement: the
 * --users ticket users (one lean WAMP session each, in this process, subscribed to their own status
 * topic) submit --n tasks between them, non-progressive CALLs, all at once (or --window outstanding per
 * user);
 * - submissions per second: n / (first CALL → last RESULT);
 * - end-to-end tasks per second: n / (first CALL → last terminal status event seen on the owners' topics);
 * - CPU ms per task of the router, the workers (with their children) and PostgreSQL (the postmaster and
 *   its backends; only for the server the bench starts itself) and of this process (the clients).
 * Checked while measuring: every accepted task gets exactly one terminal event (counted --grace-ms past
 * the last), `success`; no refused CALL; no event for a task of no run. A failure is printed and fails
 * the bench (exit 1); that cluster's remaining runs are skipped, the others go on.
 * PostgreSQL: ASEXOR_PG_URL when set (a schema per worker count, dropped at the end), else a throwaway
 * server (test/helpers/postgres.ts: fsync off). Table on stdout, then `BENCH {...}` lines.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEFAULT_URI_PREFIX, statusTopic, taskProcedure } from '../../shared/wamp/app-uris.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import { startPostgres, type TestPostgres } from '../../test/helpers/postgres.ts';
import { connectLean, type LeanClient } from '../../test/helpers/transports/lean.ts';
import { ticketAuth } from '../../test/helpers/wamp-test-auth.ts';
import { benchMain } from '../router/bench-main.ts';
import { median, progress } from '../router/report.ts';
import { startCluster, TASKS, treeCpuMs, type BenchTask, type BenchUser, type Cluster, type StoreKind } from './shared-queue-cluster.ts';

const TERMINAL = new Set(['success', 'error', 'cancelled', 'timeout']);
const STORES: readonly StoreKind[] = ['memory', 'sqlite', 'postgres'];

const usage = `Usage: node bench/tasks/shared-queue.ts [options]
  --n N              tasks per measured run (default 1000)
  --runs R           rounds, every cluster once per round, order rotating (default 3)
  --users U          ticket users submitting at once (default 10)
  --workers LIST     worker process counts (default 1,2,3)
  --concurrency C    asexor.concurrency of each worker (default 4)
  --stores LIST      memory,sqlite,postgres (default all three)
  --task T           mark (runs in the worker, no fork; default) or date (forks date)
  --window W         CALLs outstanding per user (default 0: all of them at once)
  --warmup K         unmeasured tasks per cluster before the first round (default 500)
  --grace-ms MS      wait after the last terminal event for duplicates (default 500)
  --timeout-ms MS    a run that has not ended by then fails (default 120000)`;

interface Options {
  readonly help: boolean; readonly n: number; readonly runs: number; readonly users: number; readonly workers: readonly number[];
  readonly concurrency: number; readonly stores: readonly StoreKind[]; readonly task: BenchTask; readonly window: number;
  readonly warmup: number; readonly graceMs: number; readonly timeoutMs: number;
}

function parse(argv: readonly string[]): Options {
  const { values: v } = parseArgs({ args: [...argv], strict: true, options: {
    help: { type: 'boolean', default: false }, n: { type: 'string', default: '1000' }, runs: { type: 'string', default: '3' },
    users: { type: 'string', default: '10' }, workers: { type: 'string', default: '1,2,3' }, concurrency: { type: 'string', default: '4' },
    stores: { type: 'string', default: STORES.join(',') }, task: { type: 'string', default: 'mark' }, window: { type: 'string', default: '0' },
    warmup: { type: 'string', default: '500' }, 'grace-ms': { type: 'string', default: '500' }, 'timeout-ms': { type: 'string', default: '120000' },
  } });
  const int = (name: string, raw: string, min: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${String(min)}, got ${raw}`);
    return n;
  };
  const stores = v.stores.split(',').map((s) => s.trim());
  for (const s of stores) if (!(STORES as readonly string[]).includes(s)) throw new Error(`--stores: unknown store ${s}`);
  if (v.task !== 'mark' && v.task !== 'date') throw new Error(`--task must be mark or date, got ${v.task}`);
  return {
    help: v.help, n: int('n', v.n, 1), runs: int('runs', v.runs, 1), users: int('users', v.users, 1),
    workers: v.workers.split(',').map((w) => int('workers', w, 1)), concurrency: int('concurrency', v.concurrency, 1),
    stores: stores as StoreKind[], task: v.task, window: int('window', v.window, 0), warmup: int('warmup', v.warmup, 0),
    graceMs: int('grace-ms', v['grace-ms'], 0), timeoutMs: int('timeout-ms', v['timeout-ms'], 1000),
  };
}

/** What one run saw: replies, terminal statuses per task id, and when everything had arrived. */
class Tracker {
  readonly accepted = new Set<string>();
  readonly terminals = new Map<string, string[]>();
  readonly refused: string[] = [];
  /** Status events of every kind per status (queued, started, ..., terminal ones). */
  readonly statuses = new Map<string, number>();
  /** Set when the run's --timeout-ms passed before everything had arrived. */
  timedOutMs: number | undefined;
  replies = 0;
  ended = 0;
  lastReplyAt = 0;
  endAt = 0;
  readonly done = Promise.withResolvers<undefined>();
  readonly total: number;
  constructor(total: number) {
    this.total = total;
  }

  reply(taskId: string | undefined, error: string | undefined): void {
    this.replies += 1;
    if (taskId === undefined) this.refused.push(error ?? 'no task id in the RESULT');
    else {
      this.accepted.add(taskId);
      if (this.terminals.has(taskId)) this.ended += 1; // its terminal event came before the RESULT
    }
    if (this.replies === this.total) this.lastReplyAt = performance.now();
    this.check();
  }

  terminal(taskId: string, status: string): void {
    const seen = this.terminals.get(taskId) ?? [];
    seen.push(status);
    this.terminals.set(taskId, seen);
    if (seen.length === 1 && this.accepted.has(taskId)) this.ended += 1;
    this.check();
  }

  check(): void {
    if (this.refused.length > 0 || (this.replies === this.total && this.ended === this.total)) {
      this.endAt ||= performance.now();
      this.done.resolve(undefined);
    }
  }

  /** undefined when every accepted task ended exactly once with `success` and nothing else was seen. */
  problem(): string | undefined {
    const twice = [...this.terminals].filter(([id, s]) => this.accepted.has(id) && s.length > 1);
    const failed = [...this.terminals].filter(([id, s]) => this.accepted.has(id) && s.some((x) => x !== 'success'));
    const stray = [...this.terminals.keys()].filter((id) => !this.accepted.has(id));
    const problems = [
      this.timedOutMs === undefined ? '' : `not done within ${String(this.timedOutMs)} ms`,
      this.refused.length > 0 ? `${String(this.refused.length)} CALLs refused (first: ${this.refused[0] ?? ''})` : '',
      this.replies < this.total ? `${String(this.replies)}/${String(this.total)} CALLs answered` : '',
      this.ended < this.accepted.size ? `${String(this.accepted.size - this.ended)} accepted tasks without a terminal event` : '',
      twice.length > 0 ? `${String(twice.length)} tasks with more than one terminal event (e.g. ${twice[0]?.[0] ?? ''}: ${twice[0]?.[1].join(', ') ?? ''})` : '',
      failed.length > 0 ? `${String(failed.length)} tasks not ending in success (e.g. ${failed[0]?.[0] ?? ''}: ${failed[0]?.[1].join(', ') ?? ''})` : '',
      stray.length > 0 ? `${String(stray.length)} terminal events of tasks of no run (e.g. ${stray[0] ?? ''})` : '',
    ].filter((p) => p !== '');
    return problems.length === 0 ? undefined : problems.join('; ');
  }
}

/** The users' sessions on one cluster; all their messages feed the current run's tracker. */
class Users {
  tracker = new Tracker(0);
  readonly clients: readonly LeanClient[];
  #next: ((user: number) => void) | undefined;
  private constructor(clients: readonly LeanClient[]) {
    this.clients = clients;
  }

  static async open(cluster: Cluster, users: readonly BenchUser[]): Promise<Users> {
    const clients = await Promise.all(users.map((u) => connectLean({ url: cluster.url, realm: 'asexor', serializer: 'json', roles: { caller: {}, subscriber: {} }, ...ticketAuth(u.authid, u.ticket) })));
    await Promise.all(clients.map((c, i) => c.request({
      type: MessageType.SUBSCRIBE, request: c.nextRequestId(), options: {}, topic: statusTopic(DEFAULT_URI_PREFIX, users[i]!.authid),
    }, MessageType.SUBSCRIBED)));
    const out = new Users(clients);
    for (const [i, c] of clients.entries()) c.onMessage = (m) => { out.#dispatch(i, m); };
    return out;
  }

  #dispatch(user: number, m: WampMessage): void {
    if (m.type === MessageType.RESULT) {
      const id = m.args?.[0];
      this.tracker.reply(typeof id === 'string' ? id : undefined, undefined);
      this.#next?.(user);
    } else if (m.type === MessageType.ERROR && m.requestType === MessageType.CALL) {
      this.tracker.reply(undefined, m.error);
    } else if (m.type === MessageType.EVENT) {
      const id = m.kwargs?.['task_id'];
      const status = m.kwargs?.['status'];
      if (typeof id !== 'string' || typeof status !== 'string') return;
      this.tracker.statuses.set(status, (this.tracker.statuses.get(status) ?? 0) + 1);
      if (TERMINAL.has(status)) this.tracker.terminal(id, status);
    }
  }

  /** `total` tasks split between the users, `window` CALLs outstanding per user (0: all at once); resolves when all ended or `timeoutMs` passed. */
  async run(task: BenchTask, total: number, window: number, timeoutMs: number): Promise<Tracker> {
    const tracker = this.tracker = new Tracker(total);
    const users = this.clients.length;
    const left = this.clients.map((_, i) => Math.floor(total / users) + (i < total % users ? 1 : 0));
    let label = 0;
    const send = (user: number): void => {
      if (left[user] === 0) return;
      left[user] = (left[user] ?? 0) - 1;
      const client = this.clients[user]!;
      client.send({ type: MessageType.CALL, request: client.nextRequestId(), options: {}, procedure: taskProcedure(DEFAULT_URI_PREFIX, task), args: TASKS[task].args(label++) });
    };
    this.#next = window === 0 ? undefined : send;
    const first = Math.max(...left);
    const timer = setTimeout(() => {
      tracker.timedOutMs = timeoutMs;
      tracker.done.resolve(undefined);
    }, timeoutMs);
    // Round-robin over the users, so the router receives their CALLs mixed.
    for (let k = 0; k < (window === 0 ? first : window); k++) for (let u = 0; u < users; u++) send(u);
    await tracker.done.promise;
    clearTimeout(timer);
    return tracker;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}

interface Measured { readonly submitRate: number; readonly taskRate: number; readonly cpu: Record<'router' | 'workers' | 'postgres' | 'client', number> }
interface Cell { readonly store: StoreKind; readonly workers: number; readonly runs: Measured[]; failure: string | undefined; events: number }

/** One run on `cluster`: the figures, or the problem (a thrown Error). */
async function measure(o: Options, cluster: Cluster, users: Users, total: number, pgPid: number | undefined): Promise<{ m: Measured; events: number }> {
  const cpu = (): number[] => [treeCpuMs(cluster.routerPid), cluster.workerPids.reduce((s, p) => s + treeCpuMs(p), 0), pgPid === undefined ? Number.NaN : treeCpuMs(pgPid)];
  const before = cpu();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const tracker = await users.run(o.task, total, o.window, o.timeoutMs);
  const after = cpu();
  const client = process.cpuUsage(clientBefore);
  await new Promise((resolve) => setTimeout(resolve, o.graceMs));
  const problem = tracker.problem();
  if (problem !== undefined) throw new Error(problem);
  const per = (i: number): number => ((after[i] ?? 0) - (before[i] ?? 0)) / total;
  const events = [...tracker.terminals.values()].reduce((s, list) => s + list.length, 0);
  progress(`${cluster.label}: status events seen ${JSON.stringify(Object.fromEntries(tracker.statuses))}`);
  return { events, m: {
    submitRate: total / ((tracker.lastReplyAt - started) / 1000), taskRate: total / ((tracker.endAt - started) / 1000),
    cpu: { router: per(0), workers: per(1), postgres: per(2), client: (client.user + client.system) / 1000 / total },
  } };
}

const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
const med = (cell: Cell, f: (m: Measured) => number): number => (cell.runs.length === 0 ? Number.NaN : median(cell.runs.map(f)));

function report(o: Options, cells: readonly Cell[], load: readonly number[], pgWhere: string): number {
  const out: string[] = [
    `shared queue benchmark, node ${process.version}, ${String(availableParallelism())} cpus (${cpus()[0]?.model ?? '?'}), load average at start ${load.map((l) => l.toFixed(2)).join(' ')}`,
    `n=${String(o.n)} tasks per run (${o.task}), ${String(o.users)} users, ${o.window === 0 ? 'all CALLs at once' : `${String(o.window)} CALLs outstanding per user`}, worker concurrency ${String(o.concurrency)}, ${String(o.runs)} rounds; PostgreSQL: ${pgWhere}`,
    '', 'workers  store      submits/s   tasks/s   CPU ms/task: router  workers  postgres  client   terminal events',
  ];
  for (const c of cells) {
    out.push(`${String(c.workers).padStart(7)}  ${c.store.padEnd(9)}${fmt(med(c, (m) => m.submitRate)).padStart(11)}${fmt(med(c, (m) => m.taskRate)).padStart(10)}`
      + `${fmt(med(c, (m) => m.cpu.router), 3).padStart(21)}${fmt(med(c, (m) => m.cpu.workers), 3).padStart(9)}${fmt(med(c, (m) => m.cpu.postgres), 3).padStart(10)}`
      + `${fmt(med(c, (m) => m.cpu.client), 3).padStart(8)}   ${c.failure === undefined ? `${String(c.events)} for ${String(c.runs.length * o.n)} tasks, once each` : `FAILED: ${c.failure}`}`);
  }
  const ratios: { workers: number; vs: StoreKind; submits: number; tasks: number }[] = [];
  for (const pgCell of cells.filter((c) => c.store === 'postgres')) {
    for (const base of cells.filter((c) => c.workers === pgCell.workers && c.store !== 'postgres')) {
      const k = Math.min(pgCell.runs.length, base.runs.length);
      const ratio = (f: (m: Measured) => number): number => (k === 0 ? Number.NaN : median(Array.from({ length: k }, (_, i) => f(pgCell.runs[i]!) / f(base.runs[i]!))));
      ratios.push({ workers: pgCell.workers, vs: base.store, submits: ratio((m) => m.submitRate), tasks: ratio((m) => m.taskRate) });
    }
  }
  if (ratios.length > 0) {
    out.push('', 'PostgreSQL / embedded (median over rounds of the ratio within a round)', 'workers  vs         submits/s  tasks/s');
    for (const r of ratios) out.push(`${String(r.workers).padStart(7)}  ${r.vs.padEnd(9)}${fmt(r.submits, 2).padStart(11)}${fmt(r.tasks, 2).padStart(9)}`);
  }
  out.push('');
  for (const c of cells) {
    const runs = (f: (m: Measured) => number): number[] => c.runs.map((m) => Math.round(f(m)));
    const common = { store: c.store, workers: c.workers, task: o.task, n: o.n, ...(c.failure === undefined ? {} : { failure: c.failure }) };
    out.push(`BENCH ${JSON.stringify({ name: 'shared_queue_submit_rate', ...common, value: Math.round(med(c, (m) => m.submitRate)) || null, unit: 'submits/s', runs: runs((m) => m.submitRate) })}`);
    out.push(`BENCH ${JSON.stringify({ name: 'shared_queue_task_rate', ...common, value: Math.round(med(c, (m) => m.taskRate)) || null, unit: 'tasks/s', runs: runs((m) => m.taskRate),
      cpu_ms_per_task: Object.fromEntries((['router', 'workers', 'postgres', 'client'] as const).map((k) => [k, Number.isFinite(med(c, (m) => m.cpu[k])) ? Number(med(c, (m) => m.cpu[k]).toFixed(3)) : null])) })}`);
  }
  for (const r of ratios) out.push(`BENCH ${JSON.stringify({ name: 'shared_queue_pg_ratio', workers: r.workers, vs: r.vs, submits: Number(r.submits.toFixed(2)), tasks: Number(r.tasks.toFixed(2)), unit: 'x' })}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return cells.filter((c) => c.failure !== undefined).length;
}

async function run(o: Options): Promise<void> {
  const load = loadavg();
  const users: BenchUser[] = Array.from({ length: o.users }, (_, i) => ({ authid: `user${String(i).padStart(2, '0')}`, ticket: `user${String(i)}-ticket` }));
  const envUrl = process.env['ASEXOR_PG_URL'];
  let server: TestPostgres | undefined;
  const schemas: string[] = [];
  const cells: Cell[] = [];
  try {
    if (o.stores.includes('postgres') && envUrl === undefined) server = await startPostgres();
    const pgUrl = envUrl ?? server?.url;
    for (const workers of o.workers) {
      const clusters: { cell: Cell; cluster: Cluster; users: Users }[] = [];
      try {
        for (const store of o.stores) {
          const schema = `bench_shared_${String(process.pid)}_${String(workers)}`;
          if (store === 'postgres') schemas.push(schema);
          const cluster = await startCluster({ store, workers, concurrency: o.concurrency, users, limit: o.n + o.warmup + 1, task: o.task, ...(pgUrl === undefined ? {} : { pgUrl }), schema });
          const cell: Cell = { store, workers, runs: [], failure: undefined, events: 0 };
          cells.push(cell);
          clusters.push({ cell, cluster, users: await Users.open(cluster, users) });
        }
        for (const c of clusters) {
          if (o.warmup === 0) continue;
          const t = await c.users.run(o.task, o.warmup, o.window, o.timeoutMs);
          await new Promise((resolve) => setTimeout(resolve, o.graceMs));
          const problem = t.problem();
          if (problem === undefined) continue;
          c.cell.failure = `warm-up: ${problem}`;
          progress(`FAILED ${c.cluster.label}: ${c.cell.failure} (its runs are skipped)`);
        }
        for (let r = 0; r < o.runs; r++) {
          for (let k = 0; k < clusters.length; k++) {
            const c = clusters[(k + r) % clusters.length]!;
            if (c.cell.failure !== undefined) continue;
            try {
              const { m, events } = await measure(o, c.cluster, c.users, o.n, c.cell.store === 'postgres' ? server?.pid : undefined);
              c.cell.runs.push(m);
              c.cell.events += events;
              progress(`round ${String(r + 1)}/${String(o.runs)} ${c.cluster.label}: ${fmt(m.submitRate)} submits/s, ${fmt(m.taskRate)} tasks/s;`
                + ` CPU ms/task router ${fmt(m.cpu.router, 3)} workers ${fmt(m.cpu.workers, 3)} postgres ${fmt(m.cpu.postgres, 3)} client ${fmt(m.cpu.client, 3)}`);
            } catch (error) {
              c.cell.failure = `round ${String(r + 1)}: ${(error as Error).message}`;
            }
            if (c.cell.failure !== undefined) progress(`FAILED ${c.cluster.label}: ${c.cell.failure} (its remaining runs are skipped)`);
          }
        }
      } finally {
        for (const c of clusters) await c.users.close();
        for (const c of clusters) await c.cluster.stop();
      }
    }
  } finally {
    if (envUrl !== undefined && schemas.length > 0) {
      const client = new pg.Client({ connectionString: envUrl });
      await client.connect();
      for (const schema of new Set(schemas)) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    await server?.stop();
  }
  const failed = report(o, cells, load, envUrl !== undefined ? 'ASEXOR_PG_URL' : server === undefined ? 'not used' : 'a throwaway server (test/helpers/postgres.ts, fsync off), Unix socket');
  if (failed > 0) throw new Error(`${String(failed)} configuration(s) FAILED: see the table above`);
}

process.exitCode = await benchMain({ name: 'bench:shared-queue', usage, watchdogMs: 60 * 60_000, parse, run });
