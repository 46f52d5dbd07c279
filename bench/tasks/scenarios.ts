/**
 * The asexor side of `npm run bench:tasks`: `asexor serve` in its own process (serve-process.ts)
 * with a chosen spawner path, the end-to-end client, one end-to-end round and its CPU accounting.
 * Children are forked through bench/router/children.ts (paths relative to bench/router/), so every
 * one of them is killed by its `killAll` on the way out. CPU time per task of each process is read
 * from /proc around every round (proc-stats.ts).
 */
import { startChild } from '../router/children.ts';
import type { Child } from '../router/children.ts';
import { SLACK_MS } from './ceilings.ts';
import type { SpawnerChoice, TaskBenchOptions } from './options.ts';
import { childPids, cpuPerItem, cpuSnapshot, exeName, rssBytes } from './proc-stats.ts';
import { BENCH_LEGACY_USERS } from './bench-user.ts';
import { startServe, type Serve } from './serve-process.ts';

/** A running serve stack: its process, its spawner process, its WebSocket URL. */
export interface ServerProcess {
  readonly server: Serve;
  readonly url: string;
  /** What ASEXOR_SPAWNER was set to ('default': left as it was). */
  readonly choice: SpawnerChoice;
  readonly spawnerPid: number;
  /** The path the server actually uses: 'native' | 'node' | 'unknown', and how we know. */
  readonly spawner: string;
  readonly spawnerSource: string;
}

/** CPU ms per task of each party of one end-to-end round (NaN where /proc is missing). */
export interface E2eRun {
  readonly rate: number;
  readonly server: number;
  readonly spawner: number;
  /** The task processes: CPU of the children the spawner reaped (its cutime + cstime). */
  readonly children: number;
  readonly client: number;
}

/** The spawner path from its executable: the native helper is `asexor-spawn`, the fallback is Node. */
function spawnerFromExe(pid: number): string | undefined {
  const exe = exeName(pid);
  if (exe === 'asexor-spawn') return 'native';
  if (exe !== undefined && /^node(\d+)?$/.test(exe)) return 'node';
  return undefined;
}

/** `asexor serve` in its own process, with ASEXOR_SPAWNER set per `choice`. */
export async function startServerProcess(concurrency: number, maxQueued: number, choice: SpawnerChoice, legacy = false, store?: 'memory' | 'sqlite'): Promise<ServerProcess> {
  const server = await startServe({ concurrency, maxQueued, choice, legacy, store });
  const children = childPids(server.pid);
  const spawnerPid = children[0];
  if (spawnerPid === undefined || children.length !== 1) {
    await server.stop(10_000);
    throw new Error(`asexor serve ${server.pid}: expected exactly one child process (its spawner), found [${children.join(', ')}]`);
  }
  const fromExe = spawnerFromExe(spawnerPid);
  const [spawner, spawnerSource] = server.spawner !== undefined
    ? [server.spawner, `its 'worker started' log line; the spawner's executable is ${exeName(spawnerPid) ?? '?'}`]
    : fromExe !== undefined ? [fromExe, `the spawner's /proc/PID/exe (${exeName(spawnerPid) ?? '?'})`] : ['unknown', 'unknown'];
  return { server, url: server.url, choice, spawnerPid, spawner, spawnerSource };
}

/** VmRSS of the server process and of its spawner, bytes (undefined without /proc). */
export function stackRss(s: ServerProcess): { readonly server: number | undefined; readonly spawner: number | undefined } {
  return { server: rssBytes(s.server.pid), spawner: rssBytes(s.spawnerPid) };
}

/** Fails if the spawner we account for is no longer the server's child (it died and was replaced). */
export function checkSpawner(s: ServerProcess): void {
  if (!childPids(s.server.pid).includes(s.spawnerPid)) {
    throw new Error(`the spawner process ${s.spawnerPid} of server ${s.server.pid} is gone: its CPU figures would be wrong`);
  }
}

/** The end-to-end client: connected, subscribed, warmed up (`o.warmup` date tasks), idle until `run`. */
export async function startE2eClient(s: ServerProcess, o: TaskBenchOptions): Promise<Child> {
  const args = ['--url', s.url, '--mode', 'e2e', '--n', String(o.n), '--warmup', String(o.warmup), '--serializer', o.serializer];
  return (await startChild('../tasks/task-client.ts', args, 'ready', { timeoutMs: o.maxMs + SLACK_MS })).child;
}

export type LegacyProtocol = 'ws' | 'raw';

/** A legacy ASEXOR client (legacy-client.ts), warmed up like the WAMP one; the server must serve the legacy protocols. */
export async function startLegacyClient(s: ServerProcess, protocol: LegacyProtocol, o: TaskBenchOptions): Promise<Child> {
  const where = protocol === 'ws' ? ['--url', s.url] : ['--socket', s.server.legacySocket ?? ''];
  const args = ['--protocol', protocol, ...where, '--token', BENCH_LEGACY_USERS[protocol].ticket, '--n', String(o.n), '--warmup', String(o.warmup)];
  return (await startChild('../tasks/legacy-client.ts', args, 'ready', { timeoutMs: o.maxMs + SLACK_MS })).child;
}

/**
 * One end-to-end round: the client sends `o.n` date CALLs at once and reports the time from the first
 * CALL to the last terminal event; CPU of server, spawner, the spawner's reaped children and client
 * is read from /proc just before the command and just after the report.
 */
export async function endToEndRound(s: ServerProcess, client: Child, o: TaskBenchOptions): Promise<E2eRun> {
  checkSpawner(s);
  const pids = [s.server.pid, s.spawnerPid, client.pid];
  const before = cpuSnapshot(pids, s.spawnerPid);
  const result = await client.request({ cmd: 'run', warmupMs: 0, durationMs: o.maxMs }, 'result', o.maxMs + SLACK_MS);
  const after = cpuSnapshot(pids, s.spawnerPid);
  checkSpawner(s);
  if (result.count < o.n) throw new Error(`end to end: only ${result.count} of ${o.n} tasks ended within ${o.maxMs} ms`);
  const [server, spawner, clientCpu, children] = cpuPerItem(before, after, result.count).map((x) => x ?? Number.NaN);
  return {
    rate: (result.count * 1000) / result.elapsedMs,
    server: server ?? Number.NaN,
    spawner: spawner ?? Number.NaN,
    children: children ?? Number.NaN,
    client: clientCpu ?? Number.NaN,
  };
}
