/**
 * The WebSocket transport against the real router: handshakes per serializer, keep-alive, size
 * limits, backpressure, bad input and shutdown, with raw ws clients on 127.0.0.1 (port 0).
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import type { RealmConfig, WebSocketServiceConfig } from '../../shared/config/types.ts';
import { createLogger } from '../../shared/logger.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { probeWebSocket as connect, type RawWsClient } from '../helpers/transports/websocket.ts';

const REALM: RealmConfig = {
  name: 'realm1',
  roles: [{
    name: 'anonymous',
    permissions: [{
      uri: '', match: 'prefix', cache: true,
      allow: { call: true, register: true, publish: true, subscribe: true },
      disclose: { caller: false, publisher: false },
    }],
  }],
};
const MAX_MESSAGE = 64 * 1024;

function wsService(path: string, autoPingInterval: number): WebSocketServiceConfig {
  return {
    type: 'websocket', path, serializers: ['json', 'msgpack', 'cbor'],
    options: { maxMessageSize: MAX_MESSAGE, autoPingInterval, autoPingTimeout: 1_000 },
  };
}

async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WebSocket transport with the router', () => {
  let router: Router;
  let listener: Listener;
  let logLines: { msg: string }[];
  const clients: RawWsClient[] = [];

  beforeEach(async () => {
    logLines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) { logLines.push(JSON.parse(chunk.toString('utf8')) as { msg: string }); done(); },
    });
    router = createRouter({ realms: [REALM] });
    listener = await startHttpTransport(router, {
      type: 'http',
      endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
      services: [wsService('/ws', 0), wsService('/ws-ping', 40)],
    }, { logger: createLogger({ level: 'warn', destination: sink }), websocket: { sendHighWaterMark: 256 * 1024, sendLowWaterMark: 64 * 1024, sendBufferLimit: 2 * 1024 * 1024 } });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await listener.close();
    await router.close();
  });

  async function open(protocol = 'wamp.2.json', path = '/ws'): Promise<RawWsClient> {
    const client = await connect(listener.url(path, 'ws'), protocol);
    clients.push(client);
    return client;
  }
  async function join(protocol = 'wamp.2.json', path = '/ws'): Promise<RawWsClient> {
    const client = await open(protocol, path);
    client.send([M.HELLO, 'realm1', { roles: { publisher: {}, subscriber: {} } }]);
    const welcome = await client.next();
    expect(welcome[0]).to.equal(M.WELCOME);
    return client;
  }
  async function expectAbort(client: RawWsClient, reason: string): Promise<void> {
    const abort = await client.next();
    expect([abort[0], abort[2]]).to.deep.equal([M.ABORT, reason]);
    expect((await client.closed).code).to.equal(1000);
  }

  for (const protocol of ['wamp.2.json', 'wamp.2.msgpack', 'wamp.2.cbor']) {
    it(`establishes a session with HELLO/WELCOME over ${protocol} (spec: basic/sessions.md)`, async () => {
      const client = await open(protocol);
      client.send([M.HELLO, 'realm1', { roles: { subscriber: {} } }]);
      const [type, session, details] = await client.next();
      expect(type).to.equal(M.WELCOME);
      expect(session).to.be.a('number').and.to.be.within(1, 2 ** 53);
      expect(details).to.have.property('roles');
      expect(router.sessionCount).to.equal(1);
    });
  }

  it('keeps a session whose client answers keep-alive pings', async () => {
    const client = await join('wamp.2.json', '/ws-ping');
    let pings = 0;
    client.ws.on('ping', () => { pings += 1; });
    await until(() => pings >= 3);
    expect(router.sessionCount).to.equal(1);
  });

  it('closes only the connection that sends a message above maxMessageSize (1009); others keep working', async () => {
    const big = await join('wamp.2.msgpack');
    const other = await join('wamp.2.cbor');
    big.send([M.PUBLISH, 1, {}, 'com.big', ['x'.repeat(MAX_MESSAGE)]]);
    expect(await big.closed).to.deep.equal({ code: 1009, reason: `message too big (limit ${MAX_MESSAGE} bytes)` });
    await until(() => router.sessionCount === 1);
    other.send([M.SUBSCRIBE, 1, {}, 'com.still.here']);
    expect((await other.next())[0]).to.equal(M.SUBSCRIBED);
  });

  it('closes a subscriber that stops reading instead of buffering its events without bound', async () => {
    const subscriber = await join();
    subscriber.send([M.SUBSCRIBE, 1, {}, 'com.flood']);
    expect((await subscriber.next())[0]).to.equal(M.SUBSCRIBED);
    subscriber.ws.pause();
    const publisher = await join();
    const payload = 'x'.repeat(60 * 1024);
    let request = 0;
    while (router.sessionCount === 2 && request < 2_000) { // 2 000 × 60 KiB ≈ 117 MiB unbounded
      for (let i = 0; i < 20; i++) publisher.send([M.PUBLISH, ++request, {}, 'com.flood', [payload]]);
      publisher.send([M.PUBLISH, ++request, { acknowledge: true }, 'com.flood', []]);
      expect((await publisher.next())[0]).to.equal(M.PUBLISHED);
    }
    expect(router.sessionCount).to.equal(1);
    expect(request).to.be.lessThan(2_000);
    expect(logLines.map((line) => line.msg)).to.include('send buffer overflow; closing');
  });

  it('aborts with wamp.error.protocol_violation on a binary message over wamp.2.json (spec: basic/building_blocks.md)', async () => {
    const client = await open('wamp.2.json');
    client.sendRaw(Buffer.from('[1,"realm1",{}]'), { binary: true });
    await expectAbort(client, WampErrorUri.protocolViolation);
  });

  const garbage: [protocol: string, data: string | Uint8Array][] = [
    ['wamp.2.json', '[1, "realm1", {'],
    ['wamp.2.msgpack', Uint8Array.from([0x93, 0x01])],
    ['wamp.2.cbor', Uint8Array.from([0xff])],
  ];
  for (const [protocol, data] of garbage) {
    it(`aborts with wamp.error.protocol_violation on undecodable ${protocol} (spec: basic/building_blocks.md "Protocol Errors")`, async () => {
      const client = await join(protocol);
      client.sendRaw(data, { binary: typeof data !== 'string' });
      await expectAbort(client, WampErrorUri.protocolViolation);
      await until(() => router.sessionCount === 0);
    });
  }

  it('closes WebSocket connections with 1001 going away when the listener closes', async () => {
    const client = await join('wamp.2.cbor');
    await listener.close();
    expect(await client.closed).to.deep.equal({ code: 1001, reason: 'going away' });
    await until(() => router.sessionCount === 0);
  });
});
