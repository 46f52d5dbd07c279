/**
 * The queue figures of `npm run bench:tasks`, each on a fresh server whose `--concurrency` slots are
 * held by `sleep 3600` tasks (so nothing queued ever runs), with one `saturate` client (task-client.ts):
 * - RSS growth per queued `sleep` task, as the OS sees it (VmRSS of server + spawner, no forced GC),
 *   once the server settled after the batch (the bar) and a few seconds after the last submission;
 * - accepted submissions/s of `date` tasks over WAMP, with the CPU per submission of server and client,
 *   with the task journal off (`asexor.store` memory) and on (SQLite, docs/durability.md), side by side.
 * The server's shutdown (mode `cancel`) cancels every queued task and kills the sleeps.
 */
import { startChild } from '../router/children.ts';
import type { Child } from '../router/children.ts';
import { sleep } from '../router/protocol.ts';
import { DATE_TASK, SLEEP_TASK } from './bench-tasks.ts';
import { SLACK_MS } from './ceilings.ts';
import type { SpawnerChoice, TaskBenchOptions } from './options.ts';
import { cpuPerItem, cpuSnapshot } from './proc-stats.ts';
import { stackRss, startServerProcess, type ServerProcess } from './scenarios.ts';

export interface QueuedSleepRun {
  /** Tasks per batch. */
  readonly queued: number;
  /**
   * VmRSS of server + spawner, bytes: before queuing; `settleMs` after the batch was accepted (the
   * heap still holds the submissions' garbage and the young generation V8 grew for them); and once the
   * server had been idle for `idleSettleMs` (as an operator sees it: the server's own idle GC, cli/idle-gc.ts, has run).
   */
  readonly rssBefore: number;
  readonly rssSoon: number;
  readonly rssSettled: number;
}

export interface SaturatedRun {
  /** Accepted submissions/s over WAMP into the saturated queue. */
  readonly wampRate: number;
  readonly queued: number;
  /** CPU µs per accepted submission: server process, client process (NaN where unknown). */
  readonly serverCpuUs: number;
  readonly clientCpuUs: number;
}

/**
 * A fresh saturated server and its client (`count` tasks per `run`, room for `batches` runs), slots
 * held, `warmup` tasks queued; stopped after `body`.
 */
async function withSaturatedServer<T>(
  o: TaskBenchOptions, choice: SpawnerChoice, task: string, count: number, batches: number, warmup: number,
  body: (s: ServerProcess, client: Child) => Promise<T>, store: 'memory' | 'sqlite' = 'memory',
): Promise<T> {
  const s = await startServerProcess(o.concurrency, batches * count + warmup + 1000, choice, false, store);
  let client: Child | undefined;
  try {
    const args = ['--url', s.url, '--mode', 'saturate', '--task', task, '--n', String(count), '--inflight', String(o.window),
      '--slots', String(o.concurrency), '--warmup', String(warmup), '--serializer', o.serializer];
    client = (await startChild('../tasks/task-client.ts', args, 'ready', { timeoutMs: o.maxMs + SLACK_MS })).child;
    return await body(s, client);
  } finally {
    await client?.stop(10_000);
    await s.server.stop(120_000);
  }
}

function totalRss(s: ServerProcess): number {
  const { server, spawner } = stackRss(s);
  if (server === undefined || spawner === undefined) throw new Error('no /proc/PID/status: the RSS figures need Linux');
  return server + spawner;
}

/**
 * RSS growth per queued sleep: slots held, `o.sleepWarmup` sleep tasks queued first (the one-time
 * costs of a cold server: JIT code, V8 growing its heap to a working size); wait `idleSettleMs`, read RSS; queue
 * `o.sleepQueued` sleep tasks over WAMP (`o.window` CALLs outstanding); read RSS `settleMs` later
 * and again once the server had `idleSettleMs` to go idle.
 */
export function queuedSleepRss(o: TaskBenchOptions, choice: SpawnerChoice, warmup = o.sleepWarmup): Promise<QueuedSleepRun> {
  return withSaturatedServer(o, choice, SLEEP_TASK, o.sleepQueued, 1, warmup, async (s, client) => {
    await sleep(o.idleSettleMs);
    const rssBefore = totalRss(s);
    const accepted = await client.request({ cmd: 'run', warmupMs: 0, durationMs: o.maxMs }, 'result', o.maxMs + SLACK_MS);
    if (accepted.count < o.sleepQueued) throw new Error(`queued sleep: only ${accepted.count} of ${o.sleepQueued} accepted within ${o.maxMs} ms`);
    await sleep(o.settleMs);
    const rssSoon = totalRss(s);
    await sleep(o.idleSettleMs);
    return { queued: o.sleepQueued, rssBefore, rssSoon, rssSettled: totalRss(s) };
  });
}

/**
 * Saturated queue: slots held, `o.queueWarmup` date tasks queued; `o.queued` date submissions over
 * WAMP, `o.window` CALLs outstanding, RESULTs counted per second, CPU of server and client per
 * accepted submission; `store`: the task journal off (memory) or on (sqlite).
 */
export function saturatedQueue(o: TaskBenchOptions, choice: SpawnerChoice, store: 'memory' | 'sqlite' = 'memory'): Promise<SaturatedRun> {
  return withSaturatedServer(o, choice, DATE_TASK, o.queued, 1, o.queueWarmup, async (s, client) => {
    const pids = [s.server.pid, client.pid];
    const cpuBefore = cpuSnapshot(pids);
    const accepted = await client.request({ cmd: 'run', warmupMs: 0, durationMs: o.maxMs }, 'result', o.maxMs + SLACK_MS);
    const [serverCpu, clientCpu] = cpuPerItem(cpuBefore, cpuSnapshot(pids), accepted.count);
    return {
      wampRate: (accepted.count * 1000) / accepted.elapsedMs,
      queued: accepted.count,
      serverCpuUs: (serverCpu ?? Number.NaN) * 1000,
      clientCpuUs: (clientCpu ?? Number.NaN) * 1000,
    };
  }, store);
}
