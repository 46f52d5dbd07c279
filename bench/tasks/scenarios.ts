/**
 * The measurements of `npm run bench:tasks`; each returns per-run values, the caller takes medians.
 * Children are forked through bench/router/children.ts (paths relative to bench/router/), so every
 * one of them is killed by its `killAll` on the way out. CPU time per task of each process is read
 * from /proc around every run (proc-stats.ts): it explains the rates on a busy machine.
 */
import { startChild } from '../router/children.ts';
import type { Child } from '../router/children.ts';
import { progress } from '../router/report.ts';
import { BENCH_REALM } from './bench-user.ts';
import type { TaskBenchOptions } from './options.ts';
import { childPids, cpuPerItem, cpuSnapshot, rssBytes } from './proc-stats.ts';

/** Slack on top of a run's own bound before a child is declared stuck. */
const SLACK_MS = 30_000;

export interface ServerMemory {
  readonly heapUsed: number;
  readonly rss: number;
  readonly sessions: number;
  /** RSS of the server's child processes (the spawner), summed; undefined where /proc is missing. */
  readonly childrenRss: number | undefined;
}

/** CPU ms per task (or spawn) of each process, per run; NaN where unknown. */
export interface CpuPerTask {
  readonly raw: number[];
  readonly server: number[];
  readonly spawner: number[];
  readonly client: number[];
}

export interface EndToEndRuns {
  /** Raw ceiling (spawns/s) and end-to-end (tasks/s) of each run, measured back to back. */
  readonly raw: number[];
  readonly e2e: number[];
  readonly cpu: CpuPerTask;
}

export interface SaturatedRun {
  /** Accepted submissions/s over WAMP into the saturated queue. */
  readonly wampRate: number;
  /** TaskService.submit calls/s in the server process. */
  readonly inProcessRate: number;
  /** Server heapUsed growth per queued task, bytes, after forced GC. */
  readonly heapPerTask: number;
  readonly queued: number;
  /** CPU µs per accepted submission over WAMP: server process, client process (NaN where unknown). */
  readonly serverCpuUs: number;
  readonly clientCpuUs: number;
}

/** A running serve stack: its process, its spawner's pid, its WebSocket URL. */
export interface ServerProcess {
  readonly server: Child;
  readonly spawnerPid: number | undefined;
  readonly url: string;
}

function rate(r: { readonly count: number; readonly elapsedMs: number }): number {
  return r.elapsedMs > 0 ? (r.count * 1000) / r.elapsedMs : 0;
}

/** A numeric field a child adds to its report beyond bench/router's report types (e.g. raw-spawn's cpuMs). */
function extraNumber(report: object, key: string): number {
  const value = (report as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : Number.NaN;
}

export async function serverMemory(s: ServerProcess): Promise<ServerMemory> {
  const m = await s.server.request({ cmd: 'memory' }, 'memory', SLACK_MS);
  return { heapUsed: m.heapUsed, rss: m.rss, sessions: m.sessions, childrenRss: s.spawnerPid === undefined ? undefined : rssBytes(s.spawnerPid) };
}

/** The serve stack in its own process (--expose-gc for the memory hook). */
export async function startServerProcess(args: readonly string[]): Promise<ServerProcess> {
  const { child, report } = await startChild('../tasks/server-process.ts', args, 'listening', { execArgv: ['--expose-gc'], timeoutMs: 60_000 });
  return { server: child, url: report.url, spawnerPid: childPids(child.pid)[0] };
}

/** One raw-ceiling run in a fresh bare process: spawns/s and that process's CPU ms per spawn. */
export async function rawCeiling(o: TaskBenchOptions): Promise<{ rate: number; cpuMs: number }> {
  const args = ['--n', String(o.n), '--concurrency', String(o.concurrency), '--warmup', String(o.rawWarmup), '--max-ms', String(o.maxMs)];
  const { report } = await startChild('../tasks/raw-spawn.ts', args, 'result', { timeoutMs: 2 * o.maxMs + SLACK_MS });
  return { rate: rate(report), cpuMs: extraNumber(report, 'cpuMs') / Math.max(1, report.count) };
}

/** The end-to-end client: connected, subscribed, idle until `run`. */
export async function startE2eClient(url: string, o: TaskBenchOptions): Promise<Child> {
  const args = ['--url', url, '--mode', 'e2e', '--n', String(o.n), '--inflight', String(o.inflight),
    '--warmup', String(o.warmup), '--serializer', o.serializer];
  return (await startChild('../tasks/task-client.ts', args, 'ready')).child;
}

/** `runs` pairs of (raw ceiling, end-to-end), back to back so that load drift hits both alike. */
export async function endToEnd(s: ServerProcess, client: Child, o: TaskBenchOptions, label: string): Promise<EndToEndRuns> {
  const out: EndToEndRuns = { raw: [], e2e: [], cpu: { raw: [], server: [], spawner: [], client: [] } };
  const pids = [s.server.pid, s.spawnerPid ?? 0, client.pid];
  for (let r = 0; r < o.runs; r += 1) {
    const raw = await rawCeiling(o);
    // The client's warm-up is inside the run: count CPU over both, per task of both (same work).
    const before = cpuSnapshot(pids);
    const result = await client.request({ cmd: 'run', warmupMs: o.maxMs, durationMs: o.maxMs }, 'result', 2 * o.maxMs + SLACK_MS);
    const [server, spawner, clientCpu] = cpuPerItem(before, cpuSnapshot(pids), result.count + o.warmup);
    if (result.count < o.n) throw new Error(`${label}: only ${result.count} of ${o.n} tasks ended within ${o.maxMs} ms`);
    const e2e = rate(result);
    out.raw.push(raw.rate);
    out.e2e.push(e2e);
    out.cpu.raw.push(raw.cpuMs);
    out.cpu.server.push(server ?? Number.NaN);
    out.cpu.spawner.push(spawner ?? Number.NaN);
    out.cpu.client.push(clientCpu ?? Number.NaN);
    progress(`${label} run ${r + 1}/${o.runs}: raw ceiling ${raw.rate.toFixed(1)} spawns/s, end-to-end ${e2e.toFixed(1)} tasks/s (${(e2e / raw.rate).toFixed(2)});`
      + ` CPU ms per task: raw ${raw.cpuMs.toFixed(2)}, spawner ${(spawner ?? Number.NaN).toFixed(2)}, server ${(server ?? Number.NaN).toFixed(2)}, client ${(clientCpu ?? Number.NaN).toFixed(2)}`);
  }
  return out;
}

/** Open `count` anonymous idle sessions on the server (bench/router/idle.ts); resolves with the holder. */
export async function openIdleSessions(url: string, count: number, o: TaskBenchOptions): Promise<Child> {
  const { child } = await startChild('idle.ts', [], 'ready');
  const opened = await child.request({ cmd: 'open', count, url, realm: BENCH_REALM, serializer: o.serializer }, 'opened', 300_000);
  if (opened.sessions !== count) throw new Error(`idle holder opened ${opened.sessions} of ${count} sessions`);
  return child;
}

/**
 * One saturated-queue run on a fresh server with concurrency 1: a `sleep` takes the slot,
 * `queueWarmup` tasks are queued, baseline memory (forced GC), `queued` more submitted over WAMP
 * (accepted/s), memory again (bytes per queued task), then `queued` TaskService.submit calls in the
 * server process (submits/s). The server's shutdown cancels them all.
 */
export async function saturated(o: TaskBenchOptions): Promise<SaturatedRun> {
  const maxQueued = 2 * o.queued + o.queueWarmup + 1000;
  const s = await startServerProcess(['--concurrency', '1', '--max-queued', String(maxQueued), '--inprocess', String(o.queued)]);
  let client: Child | undefined;
  try {
    const args = ['--url', s.url, '--mode', 'saturate', '--n', String(o.queued), '--inflight', String(o.window),
      '--warmup', String(o.queueWarmup), '--serializer', o.serializer];
    client = (await startChild('../tasks/task-client.ts', args, 'ready', { timeoutMs: o.maxMs + SLACK_MS })).child;
    const pids = [s.server.pid, client.pid];
    const before = await serverMemory(s);
    const cpuBefore = cpuSnapshot(pids);
    const accepted = await client.request({ cmd: 'run', warmupMs: 0, durationMs: o.maxMs }, 'result', o.maxMs + SLACK_MS);
    const [serverCpu, clientCpu] = cpuPerItem(cpuBefore, cpuSnapshot(pids), accepted.count);
    const after = await serverMemory(s);
    const inProcess = await s.server.request({ cmd: 'run', warmupMs: 0, durationMs: o.maxMs }, 'result', o.maxMs + SLACK_MS);
    return {
      wampRate: rate(accepted),
      inProcessRate: rate(inProcess),
      heapPerTask: accepted.count > 0 ? (after.heapUsed - before.heapUsed) / accepted.count : Number.NaN,
      queued: accepted.count,
      serverCpuUs: (serverCpu ?? Number.NaN) * 1000,
      clientCpuUs: (clientCpu ?? Number.NaN) * 1000,
    };
  } finally {
    await client?.stop(10_000);
    await s.server.stop(120_000);
  }
}
