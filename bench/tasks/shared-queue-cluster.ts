/**
 * One cluster of the shared-queue benchmark (shared-queue.ts): `asexor router --config FILE` and
 * `workers` × `asexor worker --url ... --authid worker --ticket ... --config FILE`, each in its own
 * process, started from the TypeScript sources (bin/asexor.ts, as test/integration/many-workers.test.ts
 * does: no dist/ rebuild in a shared working tree), on 127.0.0.1 and an ephemeral port. The router
 * config has the roles of crossbar-config/config.json (`user` through the workers' dynamic authorizer,
 * `worker`) and one ticket principal per bench user. The workers' `asexor.store` is `memory`, `sqlite`
 * (a journal file per worker) or `postgres` (one schema for the cluster's workers, the connection only
 * in ASEXOR_PG_URL); ASEXOR_STORE is removed from their environment (the test suite sets it).
 * Worker log lines of level warn and above are shown on stderr. Everything is killed on the way out
 * (trackProgram: bench-main's killAll), and the temporary folder removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackProgram } from '../router/children.ts';
import { progress } from '../router/report.ts';
import { childPids, cpuMs, reapedChildrenCpuMs } from './proc-stats.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/asexor.ts');
const WORKER_TICKET = 'bench-worker-ticket';
const START_TIMEOUT_MS = 60_000;

export type StoreKind = 'memory' | 'sqlite' | 'postgres';
export type BenchTask = 'mark' | 'date';
export interface BenchUser { readonly authid: string; readonly ticket: string }

/** The task module and the CALL arguments of each task: `mark` runs in the worker process (no fork), `date` forks `date`. */
export const TASKS: Readonly<Record<BenchTask, { readonly module: string | undefined; readonly args: (i: number) => unknown[] }>> = {
  mark: { module: path.join(ROOT, 'test/fixtures/tasks/index.ts'), args: (i) => [`t${String(i)}`] },
  date: { module: undefined, args: () => [] },
};

export interface ClusterOptions {
  readonly store: StoreKind;
  readonly workers: number;
  readonly concurrency: number;
  readonly users: readonly BenchUser[];
  /** maxQueued and perUser.maxQueued: every submission of a run must fit. */
  readonly limit: number;
  readonly task: BenchTask;
  /** For `postgres`: the server URL (ASEXOR_PG_URL of the workers) and the cluster's schema. */
  readonly pgUrl?: string;
  readonly schema?: string;
}

export interface Cluster {
  readonly url: string;
  readonly label: string;
  readonly routerPid: number;
  readonly workerPids: readonly number[];
  stop(): Promise<void>;
}

/** CPU ms of `pid`, its children reaped (cutime + cstime) and, recursively, its live children. */
export function treeCpuMs(pid: number): number {
  return (cpuMs(pid) ?? 0) + (reapedChildrenCpuMs(pid) ?? 0) + childPids(pid).reduce((sum, child) => sum + treeCpuMs(child), 0);
}

function allow(uri: string, ...actions: string[]): Record<string, unknown> {
  return { uri, match: 'prefix', allow: Object.fromEntries(actions.map((a) => [a, true])) };
}

function routerConfig(users: readonly BenchUser[]): unknown {
  const principals = Object.fromEntries(users.map((u) => [u.authid, { ticket: u.ticket, role: 'user' }]));
  return {
    version: 2,
    workers: [{
      type: 'router',
      realms: [{ name: 'asexor', roles: [
        { name: 'user', authorizer: 'asexor.auth.authorize' },
        { name: 'worker', permissions: [
          allow('asexor.task.', 'register'), allow('asexor.control.', 'register'), allow('asexor.files.', 'register'),
          allow('asexor.auth.', 'register'), allow('asexor.status.', 'publish', 'subscribe'),
          allow('asexor.worker.', 'call', 'register', 'publish', 'subscribe'), { ...allow('wamp.session.on_leave', 'subscribe'), match: 'exact' },
        ] },
      ] }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
        paths: { ws: {
          type: 'websocket', serializers: ['json'],
          options: { max_message_size: 16 * 1024 * 1024, auto_ping_interval: 0, auto_ping_timeout: 10_000 },
          auth: { ticket: { type: 'static', principals: { ...principals, worker: { ticket: WORKER_TICKET, role: 'worker' } } } },
        } },
      }],
    }],
  };
}

function workerConfig(o: ClusterOptions, dir: string, index: number): unknown {
  const store = o.store === 'memory' ? { type: 'memory' }
    : o.store === 'sqlite' ? { type: 'sqlite', path: path.join(dir, `worker${String(index)}.db`) }
      : { type: 'postgres', schema: o.schema };
  const module = TASKS[o.task].module;
  return { asexor: {
    ...(module === undefined ? {} : { tasksModule: module }),
    filesDir: path.join(dir, 'files'), concurrency: o.concurrency, shutdown: 'cancel', store,
    // No cap may refuse a run's submissions, and no user may be held back by a per-user running limit.
    maxQueued: o.limit, perUser: { maxQueued: o.limit, maxRunning: o.concurrency * o.workers },
  } };
}

function childEnv(pgUrl: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['ASEXOR_STORE']; // the config decides (the test suite sets it to memory)
  delete env['ASEXOR_FROM_SOURCE'];
  if (pgUrl !== undefined) env['ASEXOR_PG_URL'] = pgUrl;
  return env;
}

/** `node bin/asexor.ts ARGS`; resolves with the first JSON log entry `until` accepts (then keeps reading). */
function startAsexor(name: string, args: readonly string[], env: NodeJS.ProcessEnv, until: (entry: Record<string, unknown>) => boolean)
  : Promise<{ proc: ChildProcess; entry: Record<string, unknown> }> {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackProgram(proc);
  createInterface({ input: proc.stderr }).on('line', (line) => { process.stderr.write(`[${name} ${String(proc.pid)}] ${line}\n`); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`${name}: not ready within ${String(START_TIMEOUT_MS)} ms`)); }, START_TIMEOUT_MS);
    proc.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`${name} exited (${String(code ?? signal)}) before it was ready`)); });
    createInterface({ input: proc.stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stderr.write(`[${name} ${String(proc.pid)}] ${line}\n`);
        return;
      }
      // pino levels: 40 warn, 50 error, 60 fatal.
      if (typeof entry['level'] === 'number' && entry['level'] >= 40) process.stderr.write(`[${name} ${String(proc.pid)}] ${line}\n`);
      if (until(entry)) {
        clearTimeout(timer);
        resolve({ proc, entry });
      }
    });
  });
}

async function stopProcess(proc: ChildProcess, timeoutMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => { proc.once('exit', () => { resolve(); }); });
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const label = `${o.store} x${String(o.workers)}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'asexor-shared-queue-'));
  const procs: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    // Workers first (each cancels what it runs), then the router.
    await Promise.all(procs.slice(1).map((p) => stopProcess(p, 15_000)));
    if (procs[0] !== undefined) await stopProcess(procs[0], 5000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const routerFile = path.join(dir, 'router.json');
    await writeFile(routerFile, JSON.stringify(routerConfig(o.users)));
    const env = childEnv(o.store === 'postgres' ? o.pgUrl : undefined);
    const router = await startAsexor(`router ${label}`, ['router', '--config', routerFile], env, (e) => e['msg'] === 'listening');
    procs.push(router.proc);
    const port = (router.entry['address'] as { port?: number } | undefined)?.port;
    if (port === undefined) throw new Error(`router ${label}: no port in its listening line ${JSON.stringify(router.entry)}`);
    const url = `ws://127.0.0.1:${String(port)}/ws`;
    const workers = await Promise.all(Array.from({ length: o.workers }, async (_, i) => {
      const file = path.join(dir, `worker${String(i)}.json`);
      await writeFile(file, JSON.stringify(workerConfig(o, dir, i)));
      const started = await startAsexor(`worker ${label} #${String(i)}`,
        ['worker', '--url', url, '--authid', 'worker', '--ticket', WORKER_TICKET, '--config', file], env, (e) => e['msg'] === 'worker registered');
      procs.push(started.proc);
      return started.proc;
    }));
    progress(`cluster ${label} up: router ${String(router.proc.pid)} at ${url}, workers ${workers.map((w) => String(w.pid)).join(' ')}`);
    return { url, label, routerPid: router.proc.pid ?? 0, workerPids: workers.map((w) => w.pid ?? 0), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
