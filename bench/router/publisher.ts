/**
 * Publisher child: one session publishing to `--topic` with `acknowledge: true`, keeping `--window`
 * publications unacknowledged at most (so the router is never flooded faster than it accepts).
 * Reports how many publications were acknowledged during warm-up + window.
 * Usage (forked by index.ts): publisher.ts --url URL --realm R --serializer S --topic T [--window W]
 */
import { parseArgs } from 'node:util';
import { connectLean, type LeanClient } from '../../test/helpers/transports/lean.ts';
import { serveParent } from './protocol.ts';
import type { Report } from './protocol.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, realm: { type: 'string' }, serializer: { type: 'string' },
    topic: { type: 'string' }, window: { type: 'string', default: '8' },
  },
  strict: true,
});
const topic = values.topic ?? 'bench.fanout';
const window = Number(values.window);
const OPTIONS = { acknowledge: true } as const;
let client: LeanClient | undefined;

function publish(c: LeanClient, seq: number): void {
  c.send({ type: MessageType.PUBLISH, request: c.nextRequestId(), options: OPTIONS, topic, args: ['bench', seq] });
}

function run(c: LeanClient, totalMs: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    let acked = 0;
    let outstanding = 0;
    let stopping = false;
    const startedAt = performance.now();
    c.onMessage = (message) => {
      if (message.type !== MessageType.PUBLISHED) {
        reject(new Error(`unexpected reply ${message.type} to PUBLISH ${topic}`));
        return;
      }
      acked += 1;
      outstanding -= 1;
      if (!stopping) {
        outstanding += 1;
        publish(c, acked);
      } else if (outstanding === 0) {
        resolve({ evt: 'result', count: acked, elapsedMs: performance.now() - startedAt });
      }
    };
    setTimeout(() => {
      stopping = true;
    }, totalMs);
    for (let i = 0; i < window; i += 1) {
      outstanding += 1;
      publish(c, i);
    }
  });
}

serveParent(
  async () => {
    client = await connectLean({ url: values.url ?? '', realm: values.realm ?? '', serializer: values.serializer as SerializerId });
    return { evt: 'ready', sessions: 1 };
  },
  (command) => {
    if (!client) throw new Error('not connected');
    if (command.cmd !== 'run') throw new Error(`publisher: unsupported command ${command.cmd}`);
    return run(client, command.warmupMs + command.durationMs);
  },
  async () => {
    await client?.close();
  },
);
