/**
 * Task benchmark orchestrator (`npm run bench:tasks`, i.e. `node --expose-gc bench/tasks/index.ts`).
 * Measures, with every party in its own process on 127.0.0.1 (see bench/README.md):
 * 1. the raw ceiling: `true` spawned with execa (output captured) from a bare Node process;
 * 2. end-to-end tasks/s through the real serve stack over WAMP (submit to terminal event), beside (1);
 * 3. the same while the server holds `--sessions` idle sessions, with the server's memory then;
 * 4. accepted submissions/s into a saturated queue, over WAMP and in-process (TaskService.submit);
 * 5. server heap per queued task after forced GC.
 * Prints a table and one `BENCH {...}` line per figure; kills every child on the way out.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { Child } from '../router/children.ts';
import { progress } from '../router/report.ts';
import { benchMain } from '../router/bench-main.ts';
import { parseOptions, usage, type TaskBenchOptions } from './options.ts';
import { benchLine, collectFigures, describe, mb, table, type Measured } from './report.ts';
import {
  endToEnd, openIdleSessions, saturated, serverMemory, startE2eClient, startServerProcess, type SaturatedRun,
} from './scenarios.ts';

/** Hard bound on the whole run: nothing may hang a terminal or CI job. */
const WATCHDOG_MS = 30 * 60_000;

async function measureEndToEnd(o: TaskBenchOptions): Promise<Pick<Measured, 'plain' | 'idle' | 'memoryBefore' | 'memoryIdle'>> {
  progress(`end-to-end: starting the server (concurrency ${o.concurrency}) and the client (${o.inflight} in flight)`);
  const s = await startServerProcess(['--concurrency', String(o.concurrency)]);
  let client: Child | undefined;
  let idle: Child | undefined;
  try {
    client = await startE2eClient(s.url, o);
    const plain = await endToEnd(s, client, o, 'end-to-end');
    const memoryBefore = await serverMemory(s);
    progress(`opening ${o.sessions} idle sessions`);
    idle = await openIdleSessions(s.url, o.sessions, o);
    const memoryIdle = await serverMemory(s);
    progress(`server with ${memoryIdle.sessions} sessions: heapUsed ${mb(memoryIdle.heapUsed)} MB, RSS ${mb(memoryIdle.rss)} MB`);
    const withIdle = await endToEnd(s, client, o, `end-to-end, ${o.sessions} idle sessions`);
    return { plain, idle: withIdle, memoryBefore, memoryIdle };
  } finally {
    await idle?.stop(30_000);
    await client?.stop(10_000);
    await s.server.stop(60_000);
  }
}

async function measureSaturated(o: TaskBenchOptions): Promise<SaturatedRun[]> {
  const runs: SaturatedRun[] = [];
  for (let r = 0; r < o.runs; r += 1) {
    const run = await saturated(o);
    runs.push(run);
    progress(`saturated queue run ${r + 1}/${o.runs}: ${run.queued} accepted, ${Math.round(run.wampRate)} submits/s over WAMP, `
      + `${Math.round(run.inProcessRate)} submits/s in-process, ${Math.round(run.heapPerTask)} heap bytes per queued task; `
      + `CPU per submission: server ${Math.round(run.serverCpuUs)} us, client ${Math.round(run.clientCpuUs)} us`);
  }
  return runs;
}

async function runAll(o: TaskBenchOptions): Promise<void> {
  const load = loadavg();
  const e2e = await measureEndToEnd(o);
  const sat = await measureSaturated(o);
  const measured: Measured = { ...e2e, saturated: sat };
  const figures = collectFigures(measured, o);
  const setup = describe(o, { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown cpu', load });
  process.stdout.write(`${setup}\n\n${table(figures)}\n\n`);
  for (const f of figures) process.stdout.write(`${benchLine(f)}\n`);
}

process.exitCode = await benchMain({ name: 'bench:tasks', usage, watchdogMs: WATCHDOG_MS, parse: parseOptions, run: runAll });
