/**
 * Load generator child: one caller session. `latency` runs calls one at a time and reports p50/p99;
 * `run` keeps `--inflight` calls outstanding for a time window and reports completed calls.
 * Usage (forked by index.ts): caller.ts --url URL --realm R --serializer S --procedure P [--inflight K]
 * (URL ws://… for WebSocket, http://…/lp for long-poll, rs://host:port or rs://unix:/path for RawSocket)
 */
import { parseArgs } from 'node:util';
import { connectLean, type LeanClient } from '../../test/helpers/transports/lean.ts';
import { quantile, serveParent } from './protocol.ts';
import type { Command, Report } from './protocol.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, realm: { type: 'string' }, serializer: { type: 'string' },
    procedure: { type: 'string' }, inflight: { type: 'string', default: '1' },
  },
  strict: true,
});
const procedure = values.procedure ?? 'bench.echo';
const inflight = Number(values.inflight);
const ARGS = ['bench', 42] as const;
let client: LeanClient | undefined;

function call(c: LeanClient): void {
  c.send({ type: MessageType.CALL, request: c.nextRequestId(), options: {}, procedure, args: ARGS });
}

/** Sequential calls; per-call round trip in microseconds. */
function latency(c: LeanClient, calls: number, warmupCalls: number, maxMs: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const samples = new Float64Array(calls);
    let done = -warmupCalls;
    let sentAt = process.hrtime.bigint();
    const deadline = Date.now() + maxMs;
    const finish = (): void => {
      const measured = samples.subarray(0, Math.max(0, done)).sort();
      resolve({ evt: 'latency', calls: measured.length, p50Us: quantile(measured, 0.5), p99Us: quantile(measured, 0.99) });
    };
    c.onMessage = (message) => {
      if (message.type !== MessageType.RESULT) {
        reject(new Error(`unexpected reply ${message.type} to CALL ${procedure}`));
        return;
      }
      const elapsedNs = process.hrtime.bigint() - sentAt;
      if (done >= 0) samples[done] = Number(elapsedNs) / 1000;
      done += 1;
      if (done >= calls || Date.now() > deadline) {
        finish();
        return;
      }
      sentAt = process.hrtime.bigint();
      call(c);
    };
    call(c);
  });
}

/** `inflight` calls outstanding; counts the RESULTs that arrive inside the window. */
function throughput(c: LeanClient, warmupMs: number, durationMs: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    let counting = false;
    let stopping = false;
    let count = 0;
    let outstanding = 0;
    let startedAt = 0;
    let elapsedMs = 0;
    let drainTimer: NodeJS.Timeout | undefined;
    c.onMessage = (message) => {
      if (message.type !== MessageType.RESULT) {
        reject(new Error(`unexpected reply ${message.type} to CALL ${procedure}`));
        return;
      }
      outstanding -= 1;
      if (counting) count += 1;
      if (!stopping) {
        outstanding += 1;
        call(c);
      } else if (outstanding === 0) {
        clearTimeout(drainTimer);
        resolve({ evt: 'result', count, elapsedMs });
      }
    };
    setTimeout(() => {
      counting = true;
      startedAt = performance.now();
      setTimeout(() => {
        counting = false;
        stopping = true;
        elapsedMs = performance.now() - startedAt;
        // Outstanding calls drain before the next run; bounded in time.
        drainTimer = setTimeout(() => {
          reject(new Error(`${outstanding} calls still unanswered 10 s after the window`));
        }, 10_000);
      }, durationMs);
    }, warmupMs);
    for (let i = 0; i < inflight; i += 1) {
      outstanding += 1;
      call(c);
    }
  });
}

serveParent(
  async () => {
    client = await connectLean({ url: values.url ?? '', realm: values.realm ?? '', serializer: values.serializer as SerializerId });
    client.onClose = (reason) => { throw new Error(`the session ended during the benchmark: ${reason}`); }; // reported by serveParent
    return { evt: 'ready', sessions: 1 };
  },
  (command: Command) => {
    if (!client) throw new Error('not connected');
    if (command.cmd === 'latency') return latency(client, command.calls, command.warmupCalls, command.maxMs);
    if (command.cmd === 'run') return throughput(client, command.warmupMs, command.durationMs);
    throw new Error(`caller: unsupported command ${command.cmd}`);
  },
  async () => {
    await client?.close();
  },
);
