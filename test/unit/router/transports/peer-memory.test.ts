/**
 * Per-connection memory of the socket peers (docs/router-memory.md): the child logger is made on
 * first use from `logBindings`, and `ended` settles from the one close listener.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { WebSocket, WebSocketServer } from 'ws';
import { WEBSOCKET_TUNING_DEFAULTS, WebSocketPeer } from '../../../../router/transports/websocket-peer.ts';
import { serializerById } from '../../../../shared/serializers/index.ts';
import { recordingLogger } from '../../../helpers/recording-logger.ts';

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

  async function peerWith(logBindings?: Readonly<Record<string, unknown>>): Promise<{ peer: WebSocketPeer; lines: Record<string, unknown>[] }> {
    const { logger, lines } = recordingLogger('debug');
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, 'wamp.2.json', { perMessageDeflate: false });
    const [[ws]] = await Promise.all([accepted, once(client, 'open')]);
    const peer = new WebSocketPeer({
      ws, serializer: serializerById('json'),
      details: { kind: 'websocket', serializer: 'json', protocol: 'wamp.2.json', peer: 'tcp4:127.0.0.1:1' },
      logger, ...(logBindings ? { logBindings } : {}),
      keepAlive: { intervalMs: 0, timeoutMs: 0 }, tuning: WEBSOCKET_TUNING_DEFAULTS,
    });
    return { peer, lines };
  }

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
