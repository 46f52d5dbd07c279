/**
 * RPC over RawSocket: the same latency and throughput measurements as for WebSocket
 * (scenarios.ts measureRpc), with the callee and every caller speaking WAMP over RawSocket TCP or
 * a Unix socket (raw-rawsocket-client.ts) to the same router in the same run.
 */
import { startChild, stopAll } from './children.ts';
import type { BenchOptions } from './options.ts';
import { progress } from './report.ts';
import { measureRpc, type RpcRuns } from './scenarios.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

let unique = 0;

/** @param url rs://127.0.0.1:PORT or rs://unix:/path */
export async function measureRawSocketRpc(url: string, realm: string, serializer: SerializerId, o: BenchOptions): Promise<RpcRuns> {
  unique += 1;
  const procedure = `bench.echo_rs.${serializer}.${process.pid}.${unique}`;
  const rpc = ['--url', url, '--realm', realm, '--serializer', serializer, '--procedure', procedure];
  const children = (await Promise.all([
    startChild('callee.ts', rpc, 'ready'),
    startChild('caller.ts', [...rpc, '--inflight', '1'], 'ready'),
    ...Array.from({ length: o.callers }, () => startChild('caller.ts', [...rpc, '--inflight', String(o.inflight)], 'ready')),
  ])).map((s) => s.child);
  try {
    const [, sequentialCaller, ...callers] = children;
    if (!sequentialCaller) throw new Error('rawsocket fleet start-up failed');
    progress(`  over ${url}`);
    return await measureRpc({ sequentialCaller, callers }, o);
  } finally {
    await stopAll(children);
  }
}
