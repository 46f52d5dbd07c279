/** Figures: medians, the human-readable table and the machine-readable `BENCH {...}` lines. */
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export interface Figure {
  readonly name: FigureName;
  readonly serializer: SerializerId;
  readonly value: number;
  readonly unit: string;
  readonly runs: readonly number[];
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

function round(value: number, unit: string): number {
  return unit === 'us' ? Math.round(value * 10) / 10 : Math.round(value);
}

export function figure(name: FigureName, serializer: SerializerId, runs: readonly number[]): Figure {
  const { unit } = FIGURES[name];
  return { name, serializer, unit, value: round(median(runs), unit), runs: runs.map((r) => round(r, unit)) };
}

/** One row per figure, one column per serializer. */
export function table(figures: readonly Figure[], serializers: readonly SerializerId[]): string {
  const header = ['figure', ...serializers, 'unit'];
  const rows = (Object.keys(FIGURES) as FigureName[]).flatMap((name) => {
    const cells = serializers.map((s) => figures.find((f) => f.name === name && f.serializer === s));
    if (cells.every((c) => c === undefined)) return [];
    return [[FIGURES[name].label, ...cells.map((c) => (c ? c.value.toLocaleString('en-US') : '-')), FIGURES[name].unit]];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function benchLine(f: Figure): string {
  return `BENCH ${JSON.stringify({ name: f.name, serializer: f.serializer, value: f.value, unit: f.unit, runs: f.runs })}`;
}
