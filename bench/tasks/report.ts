/** Figures of the task benchmark: medians, bars, the table and the machine-readable `BENCH {...}` lines. */
import { median } from '../router/report.ts';
import type { SpawnRun } from './ceilings.ts';
import type { TaskBenchOptions } from './options.ts';
import type { QueuedSleepRun, SaturatedRun } from './queue-scenarios.ts';
import type { E2eRun } from './scenarios.ts';

/** The end-to-end figures of one server configuration. */
export interface StackRuns {
  /** The spawner path the server used ('native' | 'node' | 'unknown'). */
  readonly spawner: string;
  readonly runs: readonly E2eRun[];
  /** VmRSS bytes after start-up and idling, no sessions. */
  readonly idleRss: { readonly server: number; readonly spawner: number };
}

/** Legacy clients end to end on one server, and that server's WAMP client in the same rounds. */
export interface LegacyRuns {
  readonly ws: E2eRun[];
  readonly raw: E2eRun[];
  readonly wamp: readonly E2eRun[];
}

export interface Measured {
  /** undefined when native/build/spawn-ceiling is missing. */
  readonly c: readonly SpawnRun[] | undefined;
  readonly node: readonly SpawnRun[];
  readonly stacks: readonly StackRuns[];
  readonly queuedSleep: readonly QueuedSleepRun[];
  /** The same on a server with no warm-up tasks (once). */
  readonly coldSleep: QueuedSleepRun;
  /** Journal off (`asexor.store` memory). */
  readonly saturated: readonly SaturatedRun[];
  /** The same rounds with the SQLite journal on. */
  readonly saturatedJournal: readonly SaturatedRun[];
  readonly legacy: LegacyRuns | undefined;
}

export interface Figure {
  readonly name: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly runs: readonly number[];
  /** The spawner path of an asexor figure. */
  readonly spawner?: string;
  /** Median over rounds of (this run / the C ceiling run of the same round). */
  readonly ratio?: number;
  /** The bar, as text, and whether the median meets it (undefined: cannot tell). */
  readonly bar?: string;
  readonly pass?: boolean;
}

const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Median over the finite values (NaN where /proc or the C ceiling is missing). */
function finiteMedian(xs: readonly number[]): number {
  const known = xs.filter(Number.isFinite);
  return known.length === 0 ? Number.NaN : median(known);
}

function fig(name: string, label: string, unit: string, runs: readonly number[], digits: number, extra: Partial<Figure> = {}): Figure {
  return { name, label, value: round(finiteMedian(runs), digits), unit, runs: runs.map((x) => round(x, digits)), ...extra };
}

function ratioTo(c: readonly SpawnRun[] | undefined, rates: readonly number[]): number | undefined {
  if (c === undefined) return undefined;
  return round(finiteMedian(rates.map((r, i) => r / (c[i]?.rate ?? Number.NaN))), 2);
}

function spawnFigures(prefix: string, label: string, runs: readonly SpawnRun[], c: readonly SpawnRun[] | undefined): Figure[] {
  const ratio = prefix === 'c' ? undefined : ratioTo(c, runs.map((r) => r.rate));
  return [
    fig(`${prefix}_spawn_rate`, label, 'spawns/s', runs.map((r) => r.rate), 1, ratio === undefined ? {} : { ratio }),
    fig(`${prefix}_spawn_cpu_self`, '  CPU per spawn: the spawning process', 'CPU ms', runs.map((r) => r.selfCpuMs), 3),
    fig(`${prefix}_spawn_cpu_children`, '  CPU per spawn: the date processes', 'CPU ms', runs.map((r) => r.childCpuMs), 2),
  ];
}

function stackFigures(s: StackRuns, c: readonly SpawnRun[] | undefined, o: TaskBenchOptions): Figure[] {
  const rates = s.runs.map((r) => r.rate);
  const ratio = ratioTo(c, rates);
  const ownCpu = s.runs.map((r) => r.server + r.spawner);
  const idle = s.idleRss.server + s.idleRss.spawner;
  const at = { spawner: s.spawner };
  const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
  return [
    fig('e2e_tasks', `asexor end to end, ${s.spawner} spawner: ${o.n} date tasks at once over WAMP`, 'tasks/s', rates, 1, {
      ...at, ...(ratio === undefined ? {} : { ratio }), bar: '>= 0.85 x C', ...(ratio === undefined ? {} : { pass: ratio >= 0.85 }),
    }),
    fig('e2e_cpu_server_spawner', '  CPU per task: server + spawner (task processes excluded)', 'CPU ms', ownCpu, 3, {
      ...at, bar: '<= 1.0', ...(Number.isFinite(finiteMedian(ownCpu)) ? { pass: finiteMedian(ownCpu) <= 1.0 } : {}),
    }),
    fig('e2e_cpu_server', '    of which the server process (router + worker)', 'CPU ms', s.runs.map((r) => r.server), 3, at),
    fig('e2e_cpu_spawner', '    of which the spawner process', 'CPU ms', s.runs.map((r) => r.spawner), 3, at),
    fig('e2e_cpu_task_children', '  CPU per task: the date processes (reaped by the spawner)', 'CPU ms', s.runs.map((r) => r.children), 2, at),
    fig('e2e_cpu_client', '  CPU per task: the client process', 'CPU ms', s.runs.map((r) => r.client), 3, at),
    fig('idle_rss', `idle RSS, ${s.spawner} spawner: server ${mb(s.idleRss.server)} MB + spawner ${mb(s.idleRss.spawner)} MB`, 'MB', [idle / 2 ** 20], 1, {
      ...at, bar: '<= 90', pass: idle / 2 ** 20 <= 90,
    }),
  ];
}

function legacyFigures(l: LegacyRuns, c: readonly SpawnRun[] | undefined): Figure[] {
  const one = (name: string, label: string, runs: readonly E2eRun[]): Figure[] => {
    const vsWamp = round(finiteMedian(runs.map((r, i) => r.rate / (l.wamp[i]?.rate ?? Number.NaN))), 2);
    const ratio = ratioTo(c, runs.map((r) => r.rate));
    return [
      fig(`legacy_${name}_tasks`, `  ${label}: ${vsWamp.toFixed(2)} x WAMP`, 'tasks/s', runs.map((r) => r.rate), 1, {
        ...(ratio === undefined ? {} : { ratio }), bar: '>= 0.90 x WAMP', ...(Number.isFinite(vsWamp) ? { pass: vsWamp >= 0.9 } : {}),
      }),
      fig(`legacy_${name}_cpu_server`, '    CPU per task: server (router + bridge + worker)', 'CPU ms', runs.map((r) => r.server), 3),
    ];
  };
  return [...one('ws', 'legacy WebSocket client (JSON), same server', l.ws), ...one('raw', 'legacy raw socket client (CBOR, Unix), same server', l.raw)];
}

export function collectFigures(m: Measured, o: TaskBenchOptions): Figure[] {
  const rssPerTask = m.queuedSleep.map((r) => (r.rssSettled - r.rssBefore) / r.queued);
  const rssSoon = m.queuedSleep.map((r) => (r.rssSoon - r.rssBefore) / r.queued);
  const wamp = m.saturated.map((r) => r.wampRate);
  return [
    ...(m.c === undefined ? [] : spawnFigures('c', 'C posix_spawn ceiling (native/build/spawn-ceiling)', m.c, m.c)),
    ...spawnFigures('node', 'bare Node, child_process.spawn', m.node, m.c),
    ...m.stacks.flatMap((s, i) => [...stackFigures(s, m.c, o), ...(i === 0 && m.legacy !== undefined ? legacyFigures(m.legacy, m.c) : [])]),
    fig('rss_per_queued_sleep', `RSS growth per queued sleep task (${o.sleepQueued} queued, server settled)`, 'bytes', rssPerTask, 0, {
      bar: '<= 1,024', pass: finiteMedian(rssPerTask) <= 1024,
    }),
    fig('rss_per_queued_sleep_soon', `  the same ${o.settleMs / 1000} s after the last submission (garbage, grown young heap)`, 'bytes', rssSoon, 0),
    fig('rss_per_queued_sleep_cold', '  settled, on a cold server (no warm-up: JIT code and heap sizing included)', 'bytes',
      [(m.coldSleep.rssSettled - m.coldSleep.rssBefore) / m.coldSleep.queued], 0),
    fig('rss_per_queued_sleep_cold_soon', '  the same, soon after the last submission', 'bytes',
      [(m.coldSleep.rssSoon - m.coldSleep.rssBefore) / m.coldSleep.queued], 0),
    fig('queue_submit_rate_wamp', 'accepted date submissions into a saturated queue, over WAMP', 'submits/s', wamp, 0, {
      bar: '>= 20,000', pass: finiteMedian(wamp) >= 20_000,
    }),
    fig('queue_submit_server_cpu', '  server CPU per accepted submission', 'CPU us', m.saturated.map((r) => r.serverCpuUs), 1),
    fig('queue_submit_client_cpu', '  client CPU per accepted submission', 'CPU us', m.saturated.map((r) => r.clientCpuUs), 1),
    ...journalFigures(m.saturated, m.saturatedJournal).slice(1),
  ];
}

/**
 * The saturated-queue submit rate with the journal off (`off`) and on (`on`, SQLite), same rounds;
 * the bar: on >= 0.8 x off (median over rounds of the per-round ratio; docs/durability.md).
 */
export function journalFigures(off: readonly SaturatedRun[], on: readonly SaturatedRun[]): Figure[] {
  const ratios = on.map((r, i) => r.wampRate / (off[i]?.wampRate ?? Number.NaN));
  const ratio = round(finiteMedian(ratios), 2);
  return [
    fig('queue_submit_rate_wamp', 'accepted date submissions into a saturated queue, over WAMP (journal off)', 'submits/s', off.map((r) => r.wampRate), 0),
    fig('queue_submit_rate_journal', '  the same with the task journal on (SQLite, WAL, synchronous normal); ratio = on / off', 'submits/s', on.map((r) => r.wampRate), 0, {
      ratio, bar: 'ratio >= 0.8', pass: ratio >= 0.8,
    }),
    fig('queue_submit_server_cpu_journal', '  server CPU per accepted submission, journal on', 'CPU us', on.map((r) => r.serverCpuUs), 1),
  ];
}

export function table(figures: readonly Figure[]): string {
  const header = ['figure', 'median', 'unit', 'vs C', 'bar', 'ok'];
  const rows = figures.map((f) => [
    f.label, Number.isFinite(f.value) ? f.value.toLocaleString('en-US') : 'n/a', f.unit, f.ratio === undefined ? '' : f.ratio.toFixed(2),
    f.bar ?? '', f.bar === undefined ? '' : f.pass === undefined ? 'n/a' : f.pass ? 'yes' : 'NO',
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
