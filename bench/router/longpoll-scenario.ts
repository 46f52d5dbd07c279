/**
 * Long-poll RPC latency at low load: one WebSocket callee process and one caller process speaking
 * WAMP over HTTP long-poll (the lean long-poll connector, test/helpers/transports/lean.ts), sequential calls as in the WebSocket latency
 * figure, so the two figures compare the transports on the same router in the same run.
 */
import { startChild } from './children.ts';
import type { BenchOptions } from './options.ts';
import { progress } from './report.ts';
import type { Target } from './scenarios.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

const RUN_SLACK_MS = 30_000;
let unique = 0;

export async function measureLongPollLatency(
  target: Target, longpollUrl: string, serializer: SerializerId, o: BenchOptions,
): Promise<{ p50Us: number[]; p99Us: number[] }> {
  unique += 1;
  const procedure = `bench.echo_lp.${serializer}.${process.pid}.${unique}`;
  const common = ['--realm', target.realm, '--serializer', serializer, '--procedure', procedure];
  const callee = (await startChild('callee.ts', ['--url', target.url, ...common], 'ready')).child;
  try {
    const caller = (await startChild('caller.ts', ['--url', longpollUrl, ...common, '--inflight', '1'], 'ready')).child;
    try {
      const p50Us: number[] = [];
      const p99Us: number[] = [];
      for (let run = 0; run < o.runs; run += 1) {
        const r = await caller.request(
          { cmd: 'latency', calls: o.calls, warmupCalls: Math.ceil(o.calls / 10), maxMs: 20_000 }, 'latency', 20_000 + RUN_SLACK_MS,
        );
        p50Us.push(r.p50Us);
        p99Us.push(r.p99Us);
        progress(`  long-poll run ${run + 1}: p50 ${r.p50Us.toFixed(1)} us, p99 ${r.p99Us.toFixed(1)} us over ${r.calls} calls`);
      }
      return { p50Us, p99Us };
    } finally {
      await caller.stop();
    }
  } finally {
    await callee.stop();
  }
}
