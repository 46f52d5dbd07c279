/**
 * The measurements. Each starts its load-generator processes against `target`, repeats the
 * measurement `runs` times and returns the per-run values; the caller takes medians.
 */
import { readFileSync } from 'node:fs';
import { startChild } from './children.ts';
import type { Child } from './children.ts';
import { sleep } from './protocol.ts';
import type { Command } from './protocol.ts';
import { progress } from './report.ts';
import type { BenchOptions } from './options.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export interface Target {
  readonly url: string;
  readonly realm: string;
}

export interface RpcRuns {
  readonly p50Us: number[];
  readonly p99Us: number[];
  readonly callsPerSecond: number[];
}

export interface MemoryResult {
  readonly rssPerSession: number;
  readonly heapPerSession: number | undefined;
  readonly sessions: number;
}

const RUN_SLACK_MS = 30_000;
let unique = 0;

function common(target: Target, serializer: SerializerId): string[] {
  return ['--url', target.url, '--realm', target.realm, '--serializer', serializer];
}

/** Sum over children of count / elapsed, in events (or calls) per second. */
function ratePerSecond(results: readonly { count: number; elapsedMs: number }[]): number {
  return results.reduce((sum, r) => sum + (r.elapsedMs > 0 ? (r.count * 1000) / r.elapsedMs : 0), 0);
}

/** Every load-generator process of one serializer, connected and idle until commanded. */
export interface Fleet {
  readonly sequentialCaller: Child;
  readonly callers: readonly Child[];
  readonly publisher: Child;
  readonly subscribers: readonly Child[];
  /** All of the above plus the callee, for stopping. */
  readonly all: readonly Child[];
}

/**
 * Start the fleet in parallel (process start-up dominates a short run): one callee process that
 * registers an echo procedure, one sequential caller, `callers` throughput callers, one publisher and
 * `subscribers` subscriber sessions over `subscriberProcs` processes. Unique URIs per fleet, so a
 * previous fleet's registration still being torn down never clashes.
 */
export async function startFleet(target: Target, serializer: SerializerId, o: BenchOptions): Promise<Fleet> {
  unique += 1;
  const suffix = `${serializer}.${process.pid}.${unique}`;
  const rpc = [...common(target, serializer), '--procedure', `bench.echo.${suffix}`];
  const pubsub = [...common(target, serializer), '--topic', `bench.fanout.${suffix}`];
  const perProc = Array.from({ length: o.subscriberProcs }, (_, i) =>
    Math.floor(o.subscribers / o.subscriberProcs) + (i < o.subscribers % o.subscriberProcs ? 1 : 0));
  // Callers only call when commanded, after every child (the callee included) reported ready.
  const [callee, sequential, publisher, ...rest] = (await Promise.all([
    startChild('callee.ts', rpc, 'ready'),
    startChild('caller.ts', [...rpc, '--inflight', '1'], 'ready'),
    startChild('publisher.ts', [...pubsub, '--window', String(o.publishWindow)], 'ready'),
    ...Array.from({ length: o.callers }, () => startChild('caller.ts', [...rpc, '--inflight', String(o.inflight)], 'ready')),
    ...perProc.map((n) => startChild('subscriber.ts', [...pubsub, '--sessions', String(n)], 'ready', { timeoutMs: 60_000 })),
  ])).map((s) => s.child);
  if (!callee || !sequential || !publisher) throw new Error('fleet start-up failed');
  const callers = rest.slice(0, o.callers);
  const subscribers = rest.slice(o.callers);
  return { sequentialCaller: sequential, callers, publisher, subscribers, all: [callee, sequential, publisher, ...rest] };
}

/**
 * An unreported run before the measured ones, so that the router's hot paths are compiled (JIT)
 * before the first measured window: without it the first run is consistently the slowest.
 */
function warmupRun(o: BenchOptions): Command {
  return { cmd: 'run', warmupMs: 0, durationMs: 2 * o.warmupMs };
}

/** RPC: sequential latency from one caller, then throughput from the caller processes (callee in its own process). */
export async function measureRpc(fleet: Pick<Fleet, 'sequentialCaller' | 'callers'>, o: BenchOptions): Promise<RpcRuns> {
  const p50Us: number[] = [];
  const p99Us: number[] = [];
  for (let run = 0; run < o.runs; run += 1) {
    const r = await fleet.sequentialCaller.request(
      { cmd: 'latency', calls: o.calls, warmupCalls: Math.ceil(o.calls / 10), maxMs: 10_000 }, 'latency', 10_000 + RUN_SLACK_MS,
    );
    p50Us.push(r.p50Us);
    p99Us.push(r.p99Us);
    progress(`  run ${run + 1}: p50 ${r.p50Us.toFixed(1)} us, p99 ${r.p99Us.toFixed(1)} us over ${r.calls} calls`);
  }
  const callsPerSecond: number[] = [];
  const command = { cmd: 'run', warmupMs: o.warmupMs, durationMs: o.durationMs } as const;
  const timeout = o.warmupMs + o.durationMs + RUN_SLACK_MS;
  await Promise.all(fleet.callers.map((c) => c.request(warmupRun(o), 'result', timeout)));
  for (let run = 0; run < o.runs; run += 1) {
    const rate = ratePerSecond(await Promise.all(fleet.callers.map((c) => c.request(command, 'result', timeout))));
    callsPerSecond.push(rate);
    progress(`  run ${run + 1}: ${Math.round(rate)} calls/s`);
  }
  return { p50Us, p99Us, callsPerSecond };
}

/** Pub/sub: one publisher, EVENTs per second received by all subscriber sessions together. */
export async function measureFanout(fleet: Fleet, o: BenchOptions): Promise<number[]> {
  const rates: number[] = [];
  const command = { cmd: 'run', warmupMs: o.warmupMs, durationMs: o.durationMs } as const;
  const timeout = o.warmupMs + o.durationMs + RUN_SLACK_MS;
  await Promise.all([fleet.publisher, ...fleet.subscribers].map((c) => c.request(warmupRun(o), 'result', timeout)));
  await sleep(300);
  for (let run = 0; run < o.runs; run += 1) {
    const [published, ...received] = await Promise.all([
      fleet.publisher.request(command, 'result', timeout),
      ...fleet.subscribers.map((c) => c.request(command, 'result', timeout)),
    ]);
    const rate = ratePerSecond(received);
    rates.push(rate);
    progress(`  run ${run + 1}: ${Math.round(rate)} events/s delivered; ${published.count} publications acknowledged in `
      + `${Math.round(published.elapsedMs)} ms (${o.subscribers} subscribers each)`);
    if (run + 1 < o.runs) await sleep(300); // let events still queued in the router drain before the next run
  }
  return rates;
}

/** The idle-session holder: one process, reused for every memory measurement. */
export async function startIdleHolder(): Promise<Child> {
  return (await startChild('idle.ts', [], 'ready')).child;
}

/** Our router in a fresh process (--expose-gc): heap and RSS growth per joined idle session, after forced GC. */
export async function measureOwnRouterMemory(idle: Child, serializer: SerializerId, o: BenchOptions): Promise<MemoryResult> {
  const router = await startChild('router-process.ts', ['--realm', o.realm], 'listening', { execArgv: ['--expose-gc'] });
  try {
    const open = { cmd: 'open', url: router.report.url, realm: o.realm, serializer } as const;
    // Warm up the code paths (JIT, lazy init) with a few sessions, then measure the empty router.
    await idle.request({ ...open, count: 100 }, 'opened', 30_000);
    await idle.request({ cmd: 'closeAll' }, 'closed', 30_000);
    const before = await settledMemory(router.child, 0);
    await idle.request({ ...open, count: o.sessions }, 'opened', 120_000);
    const after = await settledMemory(router.child, o.sessions);
    await idle.request({ cmd: 'closeAll' }, 'closed', 60_000);
    return {
      sessions: o.sessions,
      rssPerSession: (after.rss - before.rss) / o.sessions,
      heapPerSession: (after.heapUsed - before.heapUsed) / o.sessions,
    };
  } finally {
    await router.child.stop();
  }
}

/** Memory once the router reports `sessions` joined sessions (bounded wait). */
async function settledMemory(router: Child, sessions: number): Promise<{ rss: number; heapUsed: number }> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const m = await router.request({ cmd: 'memory' }, 'memory', 10_000);
    if (m.sessions === sessions) return m;
    await sleep(100);
  }
  throw new Error(`router did not reach ${sessions} joined sessions`);
}

/** An external router (--url --router-pid): RSS growth only (no GC control, no heap figure). */
export async function measureExternalMemory(
  idle: Child, target: Target, pid: number, serializer: SerializerId, o: BenchOptions,
): Promise<MemoryResult> {
  await sleep(1000);
  const before = rssOf(pid);
  await idle.request({ cmd: 'open', url: target.url, realm: target.realm, serializer, count: o.sessions }, 'opened', 120_000);
  await sleep(1000);
  const after = rssOf(pid);
  await idle.request({ cmd: 'closeAll' }, 'closed', 60_000);
  return { sessions: o.sessions, rssPerSession: (after - before) / o.sessions, heapPerSession: undefined };
}

/** VmRSS of a process in bytes (Linux /proc). */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}
