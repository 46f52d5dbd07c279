/**
 * Callee child: one session that registers `--procedure` and answers every INVOCATION with a YIELD
 * echoing its arguments. Runs in its own process so the router's CPU is not shared with it.
 * Usage (forked by index.ts): callee.ts --url URL --realm R --serializer S --procedure P
 * (URL ws://… for WebSocket, rs://host:port or rs://unix:/path for RawSocket)
 */
import { parseArgs } from 'node:util';
import { connectLean, type LeanClient } from '../../test/helpers/transports/lean.ts';
import { serveParent } from './protocol.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

const { values } = parseArgs({
  options: { url: { type: 'string' }, realm: { type: 'string' }, serializer: { type: 'string' }, procedure: { type: 'string' } },
  strict: true,
});
let client: LeanClient | undefined;

serveParent(
  async () => {
    const c = await connectLean({ url: values.url ?? '', realm: values.realm ?? '', serializer: values.serializer as SerializerId });
    client = c;
    await c.request({
      type: MessageType.REGISTER, request: c.nextRequestId(), options: {}, procedure: values.procedure ?? 'bench.echo',
    }, MessageType.REGISTERED);
    c.onMessage = (message) => {
      if (message.type !== MessageType.INVOCATION) return;
      c.send({
        type: MessageType.YIELD, request: message.request, options: {},
        ...(message.args ? { args: message.args } : {}),
      });
    };
    return { evt: 'ready', sessions: 1 };
  },
  (command) => Promise.reject(new Error(`callee: unsupported command ${command.cmd}`)),
  async () => {
    await client?.close();
  },
);
