/** Figures: medians, the human-readable table and the machine-readable `BENCH {...}` lines. */
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export interface Figure {
  readonly name: FigureName;
  readonly serializer: SerializerId;
  readonly value: number;
  readonly unit: string;
  readonly runs: readonly number[];
  /** Extra series printed in the BENCH line, e.g. the RSS samples (MB) after the load of each run. */
  readonly samples?: readonly (readonly number[])[];
}

export const FIGURES = {
  rpc_latency_p50: { label: 'RPC latency p50 (sequential)', unit: 'us' },
  rpc_latency_p99: { label: 'RPC latency p99 (sequential)', unit: 'us' },
  longpoll_rpc_latency_p50: { label: 'RPC latency p50 (sequential, long-poll caller)', unit: 'us' },
  longpoll_rpc_latency_p99: { label: 'RPC latency p99 (sequential, long-poll caller)', unit: 'us' },
  rpc_throughput: { label: 'RPC throughput', unit: 'calls/s' },
  rawsocket_tcp_rpc_latency_p50: { label: 'RPC latency p50 (sequential, RawSocket TCP)', unit: 'us' },
  rawsocket_tcp_rpc_latency_p99: { label: 'RPC latency p99 (sequential, RawSocket TCP)', unit: 'us' },
  rawsocket_tcp_rpc_throughput: { label: 'RPC throughput (RawSocket TCP)', unit: 'calls/s' },
  rawsocket_unix_rpc_latency_p50: { label: 'RPC latency p50 (sequential, RawSocket Unix)', unit: 'us' },
  rawsocket_unix_rpc_latency_p99: { label: 'RPC latency p99 (sequential, RawSocket Unix)', unit: 'us' },
  rawsocket_unix_rpc_throughput: { label: 'RPC throughput (RawSocket Unix)', unit: 'calls/s' },
  pubsub_fanout: { label: 'pub/sub fan-out, delivered', unit: 'events/s' },
  memory_per_session_heap: { label: 'router heapUsed per idle session', unit: 'bytes' },
  memory_per_session_rss: { label: 'router RSS per idle session', unit: 'bytes' },
  rss_per_idle_session: { label: 'router RSS per idle WebSocket session (as the OS sees it, no forced GC)', unit: 'bytes' },
  rss_idle_baseline: { label: 'router RSS idle, before the saturated RPC load', unit: 'MB' },
  rss_load_peak: { label: 'router RSS peak during the saturated RPC load', unit: 'MB' },
  rss_after_load: { label: 'router RSS at the end of the wait after the load', unit: 'MB' },
  rss_after_load_ratio: { label: 'RSS after the load / idle baseline (target <= 1.2)', unit: 'x' },
  rss_recovery_time: { label: 'time after the load until RSS <= 1.2 x baseline (null: not within the wait)', unit: 's' },
} as const;
export type FigureName = keyof typeof FIGURES;

/** Progress and diagnostics go to stderr; stdout carries only the table and the BENCH lines. */
export function progress(text: string): void {
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1).padStart(5)}s] ${text}\n`);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const DECIMALS: Readonly<Record<string, number>> = { us: 1, MB: 1, x: 2, s: 0 };

function round(value: number, unit: string): number {
  const scale = 10 ** (DECIMALS[unit] ?? 0);
  return Math.round(value * scale) / scale;
}

/** NaN in `runs` (e.g. never recovered) is kept; the median is NaN (JSON null) if more than half are. */
export function figure(name: FigureName, serializer: SerializerId, runs: readonly number[], samples?: readonly (readonly number[])[]): Figure {
  const { unit } = FIGURES[name];
  const known = runs.filter((r) => !Number.isNaN(r));
  const value = known.length * 2 > runs.length ? round(median(known), unit) : Number.NaN;
  return { name, serializer, unit, value, runs: runs.map((r) => round(r, unit)), ...(samples ? { samples } : {}) };
}

/** One row per figure, one column per serializer. */
export function table(figures: readonly Figure[], serializers: readonly SerializerId[]): string {
  const header = ['figure', ...serializers, 'unit'];
  const rows = (Object.keys(FIGURES) as FigureName[]).flatMap((name) => {
    const cells = serializers.map((s) => figures.find((f) => f.name === name && f.serializer === s));
    if (cells.every((c) => c === undefined)) return [];
    const cell = (c: Figure | undefined): string => (c === undefined ? '-' : Number.isNaN(c.value) ? 'n/a' : c.value.toLocaleString('en-US'));
    return [[FIGURES[name].label, ...cells.map(cell), FIGURES[name].unit]];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** NaN is printed as null. */
export function benchLine(f: Figure): string {
  const samples = f.samples ? { samples: f.samples } : {};
  return `BENCH ${JSON.stringify({ name: f.name, serializer: f.serializer, value: f.value, unit: f.unit, runs: f.runs, ...samples })}`;
}
