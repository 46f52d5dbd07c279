/**
 * Router benchmark orchestrator (`npm run bench:router`). Starts the router under test in its own
 * process (or targets --url), runs every measurement with load generators in child processes, prints
 * a table and one `BENCH {...}` line per figure, and kills every child on the way out.
 * See bench/README.md for what each figure means.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { startChild, stopAll } from './children.ts';
import type { Child } from './children.ts';
import { benchMain } from './bench-main.ts';
import { parseOptions, usage } from './options.ts';
import type { BenchOptions } from './options.ts';
import { benchLine, figure, progress, table } from './report.ts';
import type { Figure } from './report.ts';
import {
  measureExternalMemory, measureFanout, measureOwnRouterMemory, measureRpc, startFleet, startIdleHolder,
} from './scenarios.ts';
import type { Target } from './scenarios.ts';
import { measureLongPollLatency } from './longpoll-scenario.ts';
import { measureRawSocketRpc } from './rawsocket-scenario.ts';
import { measureIdleSessionRss, measureLoadRecovery, startMeasuredRouter } from './memory-scenarios.ts';
import type { IdleSessionRun, RecoveryRun } from './memory-scenarios.ts';

/** Hard bound on the whole run: nothing may hang a terminal or CI job. */
const WATCHDOG_MS = 25 * 60_000;
const MB = 1024 * 1024;

function describeSetup(o: BenchOptions, routerPid: number | undefined, load: readonly number[]): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return [
    `asexor router benchmark, node ${process.version}, ${availableParallelism()} cpus (${cpu}), `
      + `load average at start ${load.map((l) => l.toFixed(2)).join(' ')}`,
    o.url
      ? `router: external, ${o.url} realm ${o.realm}${o.routerPid ? ` (pid ${o.routerPid})` : ''}`
      : `router: embedded asexor router (createRouter + WebSocket transport), own process pid ${routerPid ?? '?'}, 127.0.0.1`,
    'load: lean raw WAMP client (ws + shared/serializers + shared/wamp/codec), not autobahn-js, so the router is what is measured',
    `rpc: callee in its own process; latency = 1 caller, ${o.calls} sequential calls; throughput = ${o.callers} caller processes x ${o.inflight} calls in flight`,
    'rawsocket: the same RPC figures with callee and callers on RawSocket TCP (127.0.0.1) and on a Unix socket (embedded router only)',
    'long-poll: the same latency figure with the caller on WAMP long-poll (/lp, unbatched, one receive held) and the callee on WebSocket (embedded router only)',
    `pub/sub: 1 publisher process (acknowledged, ${o.publishWindow} in flight), ${o.subscribers} subscriber sessions in ${o.subscriberProcs} processes`,
    `memory: ${o.sessions} joined anonymous idle sessions, fresh router process, forced GC (RSS only for an external router)`,
    `rss (as the OS sees it, /proc VmRSS, no forced GC, router idle GC ${o.idleGc ? 'on as in asexor router' : 'off'}, read after ${o.settleMs} ms idle): `
      + `${o.idleSessions} idle WebSocket sessions, median of ${o.runs} fresh router(s); after ${o.loadMs} ms of ${o.callers} callers x ${o.loadInflight} calls `
      + `in flight, sampled each second for ${o.recoveryWaitMs} ms, median of ${o.recoveryRuns}`,
    `each figure: median of ${o.runs} run(s); throughput windows ${o.durationMs} ms after ${o.warmupMs} ms warm-up`,
  ].join('\n');
}

async function runAll(o: BenchOptions): Promise<void> {
  const load = loadavg();
  let routerChild: Child | undefined;
  let target: Target;
  let longpollUrl: string | undefined;
  let rawsocketUrls: { readonly tcp: string; readonly unix: string } | undefined;
  if (o.url) {
    target = { url: o.url, realm: o.realm };
  } else if (o.memoryOnly) {
    target = { url: '', realm: o.realm }; // every memory figure starts its own router
  } else {
    const started = await startChild('router-process.ts', ['--realm', o.realm], 'listening');
    routerChild = started.child;
    target = { url: started.report.url, realm: o.realm };
    longpollUrl = started.report.longpollUrl;
    rawsocketUrls = started.report.rawsocketUrls;
  }
  const figures: Figure[] = [];
  for (const serializer of o.memoryOnly ? [] : o.serializers) {
    progress(`${serializer}: starting load generators`);
    const fleet = await startFleet(target, serializer, o);
    try {
      progress(`${serializer}: RPC latency and throughput`);
      const rpc = await measureRpc(fleet, o);
      figures.push(
        figure('rpc_latency_p50', serializer, rpc.p50Us),
        figure('rpc_latency_p99', serializer, rpc.p99Us),
        figure('rpc_throughput', serializer, rpc.callsPerSecond),
      );
      progress(`${serializer}: pub/sub fan-out`);
      figures.push(figure('pubsub_fanout', serializer, await measureFanout(fleet, o)));
      if (longpollUrl !== undefined) {
        progress(`${serializer}: RPC latency with a long-poll caller`);
        const lp = await measureLongPollLatency(target, longpollUrl, serializer, o);
        figures.push(figure('longpoll_rpc_latency_p50', serializer, lp.p50Us), figure('longpoll_rpc_latency_p99', serializer, lp.p99Us));
      }
      if (rawsocketUrls !== undefined) {
        const rs = await measureRawSocketRpc(rawsocketUrls, target.realm, serializer, o);
        for (const kind of ['tcp', 'unix'] as const) {
          figures.push(
            figure(`rawsocket_${kind}_rpc_latency_p50`, serializer, rs[kind].p50Us),
            figure(`rawsocket_${kind}_rpc_latency_p99`, serializer, rs[kind].p99Us),
            figure(`rawsocket_${kind}_rpc_throughput`, serializer, rs[kind].callsPerSecond),
          );
        }
      }
    } finally {
      await stopAll(fleet.all);
    }
  }
  const routerPid = routerChild?.pid;
  await routerChild?.stop();
  if (!o.url || o.routerPid !== undefined) {
    const idle = await startIdleHolder();
    for (const serializer of o.serializers) {
      progress(`${serializer}: memory per idle session (${o.sessions} sessions)`);
      const m = o.url && o.routerPid !== undefined
        ? await measureExternalMemory(idle, target, o.routerPid, serializer, o)
        : await measureOwnRouterMemory(idle, serializer, o);
      if (m.heapPerSession !== undefined) figures.push(figure('memory_per_session_heap', serializer, [m.heapPerSession]));
      figures.push(figure('memory_per_session_rss', serializer, [m.rssPerSession]));
    }
    await idle.stop();
  }
  if (!o.url || o.routerPid !== undefined) figures.push(...await rssFigures(o));
  process.stdout.write(`${describeSetup(o, routerPid, load)}\n\n${table(figures, o.serializers)}\n\n`);
  for (const f of figures) process.stdout.write(`${benchLine(f)}\n`);
}

/**
 * RSS per idle session and RSS after a saturated load (memory-scenarios.ts), each run on a fresh
 * router, serializers interleaved run by run so drift hits them alike.
 */
async function rssFigures(o: BenchOptions): Promise<Figure[]> {
  const external = o.url !== undefined && o.routerPid !== undefined ? { url: o.url, pid: o.routerPid } : undefined;
  const idleRuns = new Map<string, IdleSessionRun[]>();
  const recoveryRuns = new Map<string, RecoveryRun[]>();
  const idle = await startIdleHolder();
  try {
    for (let run = 0; run < o.runs; run += 1) {
      for (const serializer of o.serializers) {
        progress(`${serializer}: RSS per idle session, run ${run + 1} (${o.idleSessions} sessions)`);
        const r = await measureIdleSessionRss(await startMeasuredRouter(o, external), idle, serializer, o);
        idleRuns.set(serializer, [...(idleRuns.get(serializer) ?? []), r]);
      }
    }
  } finally {
    await idle.stop();
  }
  for (let run = 0; run < o.recoveryRuns; run += 1) {
    for (const serializer of o.serializers) {
      progress(`${serializer}: RSS after a saturated RPC load, run ${run + 1}`);
      const r = await measureLoadRecovery(await startMeasuredRouter(o, external), serializer, o);
      recoveryRuns.set(serializer, [...(recoveryRuns.get(serializer) ?? []), r]);
    }
  }
  return o.serializers.flatMap((serializer) => {
    const ids = idleRuns.get(serializer) ?? [];
    const rec = recoveryRuns.get(serializer) ?? [];
    const mb = (n: number): number => n / MB;
    return [
      figure('rss_per_idle_session', serializer, ids.map((r) => r.perSession)),
      figure('rss_idle_baseline', serializer, rec.map((r) => mb(r.baseline))),
      figure('rss_load_peak', serializer, rec.map((r) => mb(r.peak))),
      figure('rss_after_load', serializer, rec.map((r) => mb(r.after)),
        rec.map((r) => r.samples.map((x) => Math.round(mb(x) * 10) / 10))),
      figure('rss_after_load_ratio', serializer, rec.map((r) => r.after / r.baseline)),
      figure('rss_recovery_time', serializer, rec.map((r) => r.recoveredS ?? Number.NaN)),
    ];
  });
}

process.exitCode = await benchMain({ name: 'bench:router', usage, watchdogMs: WATCHDOG_MS, parse: parseOptions, run: runAll });
