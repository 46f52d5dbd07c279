/**
 * Per-connection memory of the peers (docs/router-memory.md): the child logger is made on first use
 * from `logBindings` (not for messages that log nothing), and `ended` settles from the one close listener.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { WebSocket, WebSocketServer } from 'ws';
import { WEBSOCKET_TUNING_DEFAULTS, WebSocketPeer } from '../../../../router/transports/websocket-peer.ts';
import { LongPollPeer } from '../../../../router/transports/longpoll-peer.ts';
import { longPollProtocols } from '../../../../router/transports/longpoll-codec.ts';
import type { Logger } from '../../../../shared/logger.ts';
import type { WampMessage } from '../../../../shared/wamp/messages.ts';
import { serializerById } from '../../../../shared/serializers/index.ts';
import { recordingLogger } from '../../../helpers/recording-logger.ts';

const HELLO = '[1,"realm1",{"roles":{"caller":{}}}]';

/** Counts the children made from `logger` and from its children (pino's onChild). */
function countChildren(logger: Logger): { readonly count: number } {
  const counter = { count: 0 };
  logger.onChild = () => { counter.count++; };
  return counter;
}

describe('WebSocketPeer memory (router/transports/websocket-peer.ts)', () => {
  let wss: WebSocketServer;
  let client: WebSocket | undefined;
  beforeEach(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, handleProtocols: () => 'wamp.2.json' });
    await once(wss, 'listening');
  });
  afterEach(async () => {
    if (client?.readyState === WebSocket.OPEN) client.terminate();
    client = undefined;
    await new Promise((resolve) => { wss.close(resolve); });
  });

  async function peerWith(logBindings?: Readonly<Record<string, unknown>>): Promise<{ peer: WebSocketPeer; lines: Record<string, unknown>[]; children: { readonly count: number } }> {
    const { logger, lines } = recordingLogger('debug');
    const children = countChildren(logger);
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, 'wamp.2.json', { perMessageDeflate: false });
    const [[ws]] = await Promise.all([accepted, once(client, 'open')]);
    const peer = new WebSocketPeer({
      ws, serializer: serializerById('json'),
      details: { kind: 'websocket', serializer: 'json', protocol: 'wamp.2.json', peer: 'tcp4:127.0.0.1:1' },
      logger, ...(logBindings ? { logBindings } : {}),
      keepAlive: { intervalMs: 0, timeoutMs: 0 }, tuning: WEBSOCKET_TUNING_DEFAULTS,
    });
    return { peer, lines, children };
  }

  it('makes no child logger for messages that log nothing, in or out', async () => {
    const { peer, children } = await peerWith({ peer: 'tcp4:127.0.0.1:1', protocol: 'wamp.2.json' });
    const received = new Promise<WampMessage>((resolve) => { peer.once('message', resolve); });
    client?.send(HELLO);
    expect((await received).type).to.equal(1);
    const echoed = once(client as WebSocket, 'message');
    peer.send({ type: 2, session: 1, details: {} });
    await echoed;
    expect(children.count).to.equal(0);
  });

  it('logs with its bindings, made on first use (a binary frame on wamp.2.json, no error listener)', async () => {
    const { peer, lines } = await peerWith({ peer: 'tcp4:127.0.0.1:1', protocol: 'wamp.2.json' });
    client?.send(Buffer.from([1, 2, 3]), { binary: true });
    await new Promise((resolve) => { peer.on('close', resolve); }); // not once(): it would add an 'error' listener
    const line = lines.find((l) => l['msg'] === 'undecodable message and no error listener; closing');
    expect(line, JSON.stringify(lines)).to.include({ peer: 'tcp4:127.0.0.1:1', protocol: 'wamp.2.json' });
  });

  it('logs on the given logger itself without bindings', async () => {
    const { peer, lines } = await peerWith();
    client?.send(Buffer.from([1, 2, 3]), { binary: true });
    await new Promise((resolve) => { peer.on('close', resolve); }); // not once(): it would add an 'error' listener
    const line = lines.find((l) => l['msg'] === 'undecodable message and no error listener; closing');
    expect(line).to.not.equal(undefined);
    expect(line).to.not.have.property('peer');
  });

  it('settles `ended` once the socket is closed, after the close event', async () => {
    const { peer } = await peerWith();
    const order: string[] = [];
    peer.on('close', () => order.push('close'));
    const ended = peer.ended.then(() => order.push('ended'));
    client?.close(1000);
    await ended;
    expect(order).to.deep.equal(['close', 'ended']);
  });
});

describe('LongPollPeer memory (router/transports/longpoll-peer.ts)', () => {
  const protocol = longPollProtocols(['json']).get('wamp.2.json');

  function peerWith(queueLimitBytes: number): { peer: LongPollPeer; lines: Record<string, unknown>[]; children: { readonly count: number } } {
    if (protocol === undefined) throw new Error('no wamp.2.json long-poll protocol');
    const { logger, lines } = recordingLogger('debug');
    const children = countChildren(logger);
    const peer = new LongPollPeer({
      id: 'transport-id', protocol,
      details: { kind: 'longpoll', serializer: 'json', protocol: 'wamp.2.json', peer: 'tcp4:127.0.0.1:1' },
      options: { requestTimeout: 0, sessionTimeout: 0, queueLimitBytes },
      logger, logBindings: { peer: 'tcp4:127.0.0.1:1', protocol: 'wamp.2.json' },
      onGone: () => undefined,
    });
    return { peer, lines, children };
  }

  it('makes no child logger for messages that log nothing, in or out', () => {
    const { peer, children } = peerWith(64 * 1024);
    const received: WampMessage[] = [];
    peer.on('message', (message) => received.push(message));
    expect(peer.deliver(Buffer.from(HELLO))).to.equal(undefined);
    peer.send({ type: 2, session: 1, details: {} });
    expect(received.map((m) => m.type)).to.deep.equal([1]);
    expect(peer.queuedBytes).to.be.above(0);
    peer.closeByClient();
    expect(children.count).to.equal(0);
  });

  it('logs with its bindings, made on first use (the queue over queueLimitBytes)', async () => {
    const { peer, lines, children } = peerWith(4);
    const closes: unknown[] = [];
    peer.on('close', (info) => closes.push(info));
    peer.send({ type: 2, session: 1, details: {} }); // 8 bytes framed
    expect(closes).to.deep.equal([{ reason: 'receive queue limit exceeded' }]);
    expect(children.count).to.equal(1);
    await new Promise((resolve) => { setImmediate(resolve); }); // the recording stream hands lines over on a later tick
    const line = lines.find((l) => l['msg'] === 'long-poll queue limit exceeded; closing');
    expect(line, JSON.stringify(lines)).to.include({ peer: 'tcp4:127.0.0.1:1', protocol: 'wamp.2.json', limit: 4 });
  });
});
