/**
 * Router memory as the OS sees it (VmRSS from /proc, no forced GC), on a fresh router process that
 * runs the idle GC of `asexor router` (cli/idle-gc.ts) unless --no-idle-gc:
 * - RSS per idle session: RSS with `idleSessions` joined, silent WebSocket sessions (held by the
 *   idle child, another process) minus RSS before, divided by their count, each read once the
 *   router has been idle for `settleMs`.
 * - RSS after a saturated RPC load: idle baseline, `callers` x `loadInflight` calls outstanding for
 *   `loadMs`, then RSS sampled every second for `recoveryWaitMs`.
 * See docs/router-memory.md for what holds the memory and the knobs.
 */
import { readFileSync } from 'node:fs';
import { startChild, stopAll } from './children.ts';
import type { Child } from './children.ts';
import type { BenchOptions } from './options.ts';
import { sleep } from './protocol.ts';
import type { ReportOf } from './protocol.ts';
import { progress } from './report.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

const MB = 1024 * 1024;
/** RSS within this factor of the idle baseline counts as recovered (the target in docs/router-memory.md). */
export const RECOVERED_FACTOR = 1.2;
let unique = 0;

/** VmRSS of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

function routerArgs(o: BenchOptions): string[] {
  if (!o.idleGc) return ['--realm', o.realm];
  return ['--realm', o.realm, '--idle-gc', ...(o.idleGcCheckMs === undefined ? [] : ['--idle-gc-check-ms', String(o.idleGcCheckMs)])];
}

type Memory = ReportOf<'memory'>;

/** The router whose RSS is read: ours, fresh per run, or an external one (--url --router-pid, e.g. Crossbar.io). */
export interface MeasuredRouter {
  readonly url: string;
  readonly realm: string;
  readonly pid: number;
  /** Its own memory breakdown; undefined for an external router. */
  memory(): Promise<Memory | undefined>;
  stop(): Promise<void>;
}

/** A fresh router process for one run (`external` given: that router instead, never stopped). */
export async function startMeasuredRouter(o: BenchOptions, external?: { readonly url: string; readonly pid: number }): Promise<MeasuredRouter> {
  if (external) {
    return { ...external, realm: o.realm, memory: () => Promise.resolve(undefined), stop: () => Promise.resolve() };
  }
  const { child, report } = await startChild('router-process.ts', routerArgs(o), 'listening');
  return {
    url: report.url, realm: o.realm, pid: child.pid,
    memory: () => child.request({ cmd: 'memory', gc: false }, 'memory', 10_000),
    stop: () => child.stop(),
  };
}

/** The router's own view (no forced GC), for the breakdown printed with each run. */
function describe(m: Memory | undefined): string {
  if (m === undefined) return 'external router: no breakdown';
  const mb = (n: number): string => (n / MB).toFixed(1);
  return `heap used ${mb(m.heapUsed)} / total ${mb(m.heapTotal)} (young ${mb(m.newSpace)}), external ${mb(m.external)} `
    + `(array buffers ${mb(m.arrayBuffers)}) MB`;
}

/** RSS once the router has been idle for `settleMs` (its idle GC has run), with its own breakdown. */
async function settled(router: MeasuredRouter, o: BenchOptions): Promise<{ rss: number; memory: Memory | undefined }> {
  await sleep(o.settleMs);
  const rss = rssOf(router.pid);
  return { rss, memory: await router.memory() };
}

export interface IdleSessionRun {
  readonly before: number;
  readonly after: number;
  readonly perSession: number;
}

/** One run of the RSS-per-idle-session figure on `router` (stopped at the end). */
export async function measureIdleSessionRss(router: MeasuredRouter, idle: Child, serializer: SerializerId, o: BenchOptions): Promise<IdleSessionRun> {
  try {
    const open = { cmd: 'open', url: router.url, realm: router.realm, serializer } as const;
    // Warm up (JIT, lazy module state) with a few sessions, so one-time costs are not per session.
    await idle.request({ ...open, count: 100 }, 'opened', 30_000);
    await idle.request({ cmd: 'closeAll' }, 'closed', 30_000);
    const before = await settled(router, o);
    await idle.request({ ...open, count: o.idleSessions }, 'opened', 120_000);
    const after = await settled(router, o);
    if (after.memory && after.memory.sessions !== o.idleSessions) {
      throw new Error(`router has ${after.memory.sessions} sessions, expected ${o.idleSessions}`);
    }
    await idle.request({ cmd: 'closeAll' }, 'closed', 60_000);
    const perSession = (after.rss - before.rss) / o.idleSessions;
    progress(`  ${o.idleSessions} idle sessions: RSS ${(before.rss / MB).toFixed(1)} -> ${(after.rss / MB).toFixed(1)} MB `
      + `= ${Math.round(perSession)} B per session; before: ${describe(before.memory)}; after: ${describe(after.memory)}`);
    return { before: before.rss, after: after.rss, perSession };
  } finally {
    await router.stop();
  }
}

export interface RecoveryRun {
  /** Idle RSS before the load (bytes). */
  readonly baseline: number;
  /** Largest RSS sampled during the load. */
  readonly peak: number;
  /** RSS at the end of the wait. */
  readonly after: number;
  /** RSS each second after the load ended (bytes; the first sample at 0 s). */
  readonly samples: readonly number[];
  /** Seconds after the load until RSS was within RECOVERED_FACTOR of the baseline; undefined = not within the wait. */
  readonly recoveredS: number | undefined;
  readonly calls: number;
}

/** One run of the after-load figure on `router` (stopped at the end), with its own callee and callers. */
export async function measureLoadRecovery(router: MeasuredRouter, serializer: SerializerId, o: BenchOptions): Promise<RecoveryRun> {
  unique += 1;
  const rpc = ['--url', router.url, '--realm', router.realm, '--serializer', serializer, '--procedure', `bench.echo_mem.${serializer}.${process.pid}.${unique}`];
  let fleet: Child[] = [];
  try {
    fleet = (await Promise.all([
      startChild('callee.ts', rpc, 'ready'),
      ...Array.from({ length: o.callers }, () => startChild('caller.ts', [...rpc, '--inflight', String(o.loadInflight)], 'ready')),
    ])).map((s) => s.child);
    const [callee, ...callers] = fleet;
    if (!callee) throw new Error('fleet start-up failed');
    const baseline = (await settled(router, o)).rss;
    let peak = baseline;
    const peakSampler = setInterval(() => { peak = Math.max(peak, rssOf(router.pid)); }, 250);
    let results: ReportOf<'result'>[];
    try {
      results = await Promise.all(callers.map((c) => c.request({ cmd: 'run', warmupMs: 0, durationMs: o.loadMs }, 'result', o.loadMs + 30_000)));
    } finally {
      clearInterval(peakSampler);
    }
    peak = Math.max(peak, rssOf(router.pid));
    // The load generators stay connected (idle), as a real router's clients would.
    const samples: number[] = [];
    let recoveredS: number | undefined;
    const started = performance.now();
    for (let s = 0; s * 1000 <= o.recoveryWaitMs; s += 1) {
      await sleep(Math.max(0, started + s * 1000 - performance.now()));
      const rss = rssOf(router.pid);
      samples.push(rss);
      if (recoveredS === undefined && rss <= baseline * RECOVERED_FACTOR) recoveredS = s;
    }
    const after = samples.at(-1) ?? peak;
    const calls = results.reduce((sum, r) => sum + r.count, 0);
    const memory = await router.memory();
    progress(`  ${calls} calls in ${o.loadMs} ms (${o.callers} x ${o.loadInflight} in flight): RSS idle ${(baseline / MB).toFixed(1)} MB, `
      + `peak ${(peak / MB).toFixed(1)} MB, ${o.recoveryWaitMs / 1000} s later ${(after / MB).toFixed(1)} MB `
      + `(${(after / baseline).toFixed(2)}x; within ${RECOVERED_FACTOR}x after ${recoveredS === undefined ? 'never' : `${recoveredS} s`}); ${describe(memory)}`);
    progress(`  RSS each second after the load (MB): ${samples.map((r) => (r / MB).toFixed(1)).join(' ')}`);
    return { baseline, peak, after, samples, recoveredS, calls };
  } finally {
    await stopAll(fleet);
    await router.stop();
  }
}
