/** Figures of the task benchmark: medians, bars, the table and the machine-readable `BENCH {...}` lines. */
import { median } from '../router/report.ts';
import type { TaskBenchOptions } from './options.ts';
import type { EndToEndRuns, SaturatedRun, ServerMemory } from './scenarios.ts';

export interface Measured {
  readonly plain: EndToEndRuns;
  readonly idle: EndToEndRuns;
  readonly memoryBefore: ServerMemory;
  readonly memoryIdle: ServerMemory;
  readonly saturated: readonly SaturatedRun[];
}

export interface Figure {
  readonly name: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly runs: readonly number[];
  /** Median of the per-run ratios to the raw ceiling measured just before (end-to-end figures). */
  readonly ratio?: number;
  /** The bar, as text, and whether the median meets it. */
  readonly bar?: string;
  readonly pass?: boolean;
}

export function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

function endToEndFigure(name: string, label: string, runs: EndToEndRuns): Figure {
  const ratio = round(median(runs.e2e.map((e, i) => e / (runs.raw[i] ?? Number.NaN))), 2);
  return {
    name, label, value: round(median(runs.e2e), 1), unit: 'tasks/s', runs: runs.e2e.map((x) => round(x, 1)),
    ratio, bar: '>= 0.85 x ceiling', pass: ratio >= 0.85,
  };
}

/** Median over the finite values (CPU figures are NaN where /proc is missing). */
function finiteMedian(xs: readonly number[]): number {
  const known = xs.filter(Number.isFinite);
  return known.length === 0 ? Number.NaN : median(known);
}

function cpuFigure(name: string, label: string, unit: 'ms' | 'us', runs: readonly number[]): Figure {
  const digits = unit === 'ms' ? 2 : 0;
  return { name, label, value: round(finiteMedian(runs), digits), unit: `CPU ${unit}`, runs: runs.map((x) => round(x, digits)) };
}

function memoryFigure(name: string, label: string, bytes: number): Figure {
  return { name, label, value: round(bytes / 2 ** 20, 1), unit: 'MB', runs: [round(bytes / 2 ** 20, 1)] };
}

export function collectFigures(m: Measured, o: TaskBenchOptions): Figure[] {
  const raw = [...m.plain.raw, ...m.idle.raw];
  const pick = (f: (r: SaturatedRun) => number): number[] => m.saturated.map((r) => round(f(r)));
  const wamp = pick((r) => r.wampRate);
  const inProcess = pick((r) => r.inProcessRate);
  const heap = pick((r) => r.heapPerTask);
  const figures: Figure[] = [
    { name: 'raw_spawn_ceiling', label: 'raw ceiling: execa `true` from a bare Node process', value: round(median(raw), 1), unit: 'spawns/s', runs: raw.map((x) => round(x, 1)) },
    endToEndFigure('e2e_tasks', 'end-to-end noop tasks over WAMP (submit -> terminal event)', m.plain),
    endToEndFigure('e2e_tasks_idle_sessions', `the same, server holding ${o.sessions} idle sessions`, m.idle),
    memoryFigure('server_heap_idle_sessions', `server heapUsed with ${m.memoryIdle.sessions} sessions`, m.memoryIdle.heapUsed),
    memoryFigure('server_rss_idle_sessions', `server RSS with ${m.memoryIdle.sessions} sessions (${mb(m.memoryBefore.rss)} MB before)`, m.memoryIdle.rss),
  ];
  const { cpu } = m.plain;
  figures.splice(3, 0,
    cpuFigure('cpu_per_spawn_raw', '  CPU per spawn: the raw-ceiling process', 'ms', [...cpu.raw, ...m.idle.cpu.raw]),
    cpuFigure('cpu_per_task_spawner', '  CPU per end-to-end task: spawner process', 'ms', cpu.spawner),
    cpuFigure('cpu_per_task_server', '  CPU per end-to-end task: server process (router + worker)', 'ms', cpu.server),
    cpuFigure('cpu_per_task_client', '  CPU per end-to-end task: client process', 'ms', cpu.client),
  );
  if (m.memoryIdle.childrenRss !== undefined) {
    figures.push(memoryFigure('spawner_rss_idle_sessions', 'spawner process RSS meanwhile', m.memoryIdle.childrenRss));
  }
  figures.push(
    { name: 'queue_submit_rate_wamp', label: 'accepted submissions into a saturated queue, over WAMP', value: median(wamp), unit: 'submits/s', runs: wamp, bar: '>= 10,000', pass: median(wamp) >= 10_000 },
    cpuFigure('queue_submit_server_cpu', '  server CPU per accepted submission (1e6 / it = one-core capacity)', 'us', pick((r) => r.serverCpuUs)),
    cpuFigure('queue_submit_client_cpu', '  client CPU per accepted submission', 'us', pick((r) => r.clientCpuUs)),
    { name: 'queue_submit_rate_inprocess', label: 'the same, TaskService.submit in the server process', value: median(inProcess), unit: 'submits/s', runs: inProcess, bar: '>= 10,000', pass: median(inProcess) >= 10_000 },
    { name: 'heap_per_queued_task', label: `server heapUsed per queued task (${o.queued} queued, forced GC)`, value: median(heap), unit: 'bytes', runs: heap, bar: '<= 1,024', pass: median(heap) <= 1024 },
  );
  return figures;
}

export function describe(o: TaskBenchOptions, machine: { readonly cpus: number; readonly model: string; readonly load: readonly number[] }): string {
  return [
    `asexor task benchmark, node ${process.version}, ${machine.cpus} cpus (${machine.model}), load average at start ${machine.load.map((l) => l.toFixed(2)).join(' ')}`,
    `raw ceiling: a fresh bare Node process per run, execa('true') with output captured, concurrency ${o.concurrency}, ${o.n} spawns after ${o.rawWarmup} warm-up`,
    `end-to-end: serve stack (router + worker + spawner) in its own process, worker concurrency ${o.concurrency}; one client process (ticket user, ${o.serializer}),`
      + ` ${o.n} noop tasks after ${o.warmup} warm-up, ${o.inflight} in flight; ratio = median over runs of (end-to-end / raw run just before)`,
    `idle sessions: ${o.sessions} anonymous joined sessions held by another process (bench/router/idle.ts) during the second end-to-end figure`,
    `saturated queue: fresh server with concurrency 1 held by a sleep task, ${o.queueWarmup} tasks queued first, then ${o.queued} over WAMP (${o.window} CALLs in flight), then ${o.queued} in-process`,
    `each figure: median of ${o.runs} run(s); for scale, the original ASEXOR ran ~300 \`date\` tasks/s on the issue author's machine`,
  ].join('\n');
}

export function table(figures: readonly Figure[]): string {
  const header = ['figure', 'median', 'unit', 'vs ceiling', 'bar', 'ok'];
  const rows = figures.map((f) => [
    f.label, f.value.toLocaleString('en-US'), f.unit, f.ratio === undefined ? '' : f.ratio.toFixed(2), f.bar ?? '',
    f.pass === undefined ? '' : f.pass ? 'yes' : 'NO',
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, i) => (i === 1 || i === 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function benchLine(f: Figure): string {
  const { label: _label, ...rest } = f;
  return `BENCH ${JSON.stringify(rest)}`;
}
