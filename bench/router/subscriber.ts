/**
 * Subscriber child: `--sessions` sessions, each subscribed to `--topic`. On `run` it counts the
 * EVENTs all of them receive inside the measurement window (after the warm-up).
 * Usage (forked by index.ts): subscriber.ts --url URL --realm R --serializer S --topic T --sessions N
 */
import { parseArgs } from 'node:util';
import { connectMany, type LeanClient } from '../../test/helpers/transports/lean.ts';
import { serveParent, sleep } from './protocol.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, realm: { type: 'string' }, serializer: { type: 'string' },
    topic: { type: 'string' }, sessions: { type: 'string', default: '25' },
  },
  strict: true,
});
let clients: LeanClient[] = [];
let counting = false;
let count = 0;

function onEvent(message: { readonly type: number }): void {
  if (counting && message.type === MessageType.EVENT) count += 1;
}

serveParent(
  async () => {
    const options = { url: values.url ?? '', realm: values.realm ?? '', serializer: values.serializer as SerializerId };
    clients = await connectMany(options, Number(values.sessions), 25);
    await Promise.all(clients.map(async (c) => {
      await c.request({
        type: MessageType.SUBSCRIBE, request: c.nextRequestId(), options: {}, topic: values.topic ?? 'bench.fanout',
      }, MessageType.SUBSCRIBED);
      c.onMessage = onEvent;
    }));
    return { evt: 'ready', sessions: clients.length };
  },
  async (command) => {
    if (command.cmd !== 'run') throw new Error(`subscriber: unsupported command ${command.cmd}`);
    await sleep(command.warmupMs);
    count = 0;
    counting = true;
    const startedAt = performance.now();
    await sleep(command.durationMs);
    counting = false;
    return { evt: 'result', count, elapsedMs: performance.now() - startedAt };
  },
  async () => {
    await Promise.all(clients.map((c) => c.close()));
  },
);
