/**
 * RPC over RawSocket: the same latency and throughput measurements as for WebSocket
 * (scenarios.ts measureRpc), with the callee and every caller speaking WAMP over RawSocket TCP and
 * over a Unix socket (the lean RawSocket connector, test/helpers/transports/lean.ts) to the same router in the same run.
 */
import { startChild, stopAll, type Child } from './children.ts';
import type { BenchOptions } from './options.ts';
import { progress } from './report.ts';
import { measureRpc, type RpcRuns } from './scenarios.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export type RawSocketKind = 'tcp' | 'unix';
let unique = 0;

/** One callee, one sequential caller and `callers` throughput callers on `url`. */
async function startRpcFleet(url: string, realm: string, serializer: SerializerId, o: BenchOptions): Promise<Child[]> {
  unique += 1;
  const rpc = ['--url', url, '--realm', realm, '--serializer', serializer, '--procedure', `bench.echo_rs.${serializer}.${process.pid}.${unique}`];
  return (await Promise.all([
    startChild('callee.ts', rpc, 'ready'),
    startChild('caller.ts', [...rpc, '--inflight', '1'], 'ready'),
    ...Array.from({ length: o.callers }, () => startChild('caller.ts', [...rpc, '--inflight', String(o.inflight)], 'ready')),
  ])).map((s) => s.child);
}

/**
 * Both fleets start together (process start-up dominates a short run), then each is measured
 * alone, one after the other.
 * @param urls rs://127.0.0.1:PORT and rs://unix:/path
 */
export async function measureRawSocketRpc(
  urls: Readonly<Record<RawSocketKind, string>>, realm: string, serializer: SerializerId, o: BenchOptions,
): Promise<Record<RawSocketKind, RpcRuns>> {
  const kinds = ['tcp', 'unix'] as const;
  const fleets = await Promise.all(kinds.map((kind) => startRpcFleet(urls[kind], realm, serializer, o)));
  const measure = async (i: number): Promise<RpcRuns> => {
    const kind = kinds[i] ?? 'tcp';
    const [, sequentialCaller, ...callers] = fleets[i] ?? [];
    if (!sequentialCaller) throw new Error('rawsocket fleet start-up failed');
    progress(`${serializer}: RPC latency and throughput over RawSocket ${kind} (${urls[kind]})`);
    return measureRpc({ sequentialCaller, callers }, o);
  };
  try {
    const tcp = await measure(0);
    return { tcp, unix: await measure(1) };
  } finally {
    await stopAll(fleets.flat());
  }
}
