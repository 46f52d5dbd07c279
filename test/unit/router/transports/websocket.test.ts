import { expect } from 'chai';
import { ProtocolViolationError, SerializationError } from '../../../../shared/errors.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { parseSubprotocols, pickSubprotocol } from '../../../../router/transports/websocket.ts';
import { probeWebSocket as connect, refusedHandshake } from '../../../helpers/transports/websocket.ts';
import { startService, type ServiceUnderTest } from './websocket-stub-router.ts';

const HELLO = [1, 'realm1', { roles: { caller: {}, subscriber: {} }, authid: 'ünïcode', big: 2 ** 53 }];

describe('pickSubprotocol', () => {
  const table: [offered: string[], serializers: ('json' | 'msgpack' | 'cbor')[], expected: string | undefined][] = [
    [['wamp.2.json'], ['json', 'msgpack', 'cbor'], 'wamp.2.json'],
    [['wamp.2.cbor', 'wamp.2.json'], ['json', 'msgpack', 'cbor'], 'wamp.2.cbor'],
    [['wamp.2.json', 'wamp.2.msgpack'], ['json', 'msgpack', 'cbor'], 'wamp.2.json'],
    [['wamp.2.ubjson', 'wamp.2.msgpack'], ['json', 'msgpack'], 'wamp.2.msgpack'],
    [['wamp.2.msgpack'], ['json'], undefined],
    [['wamp.2.json.batched'], ['json'], undefined],
    [[], ['json'], undefined],
  ];
  for (const [offered, serializers, expected] of table) {
    it(`picks ${expected ?? 'nothing'} from [${offered.join(', ')}] with serializers [${serializers.join(', ')}] (client order wins)`, () => {
      expect(pickSubprotocol(offered, serializers)).to.equal(expected);
    });
  }

  it('parses a Sec-WebSocket-Protocol header list', () => {
    expect(parseSubprotocols(' wamp.2.json ,wamp.2.cbor,, ')).to.deep.equal(['wamp.2.json', 'wamp.2.cbor']);
    expect(parseSubprotocols(undefined)).to.deep.equal([]);
  });
});

describe('WebSocket service', () => {
  let sut: ServiceUnderTest;
  afterEach(() => sut.close());

  describe('handshake', () => {
    beforeEach(async () => { sut = await startService({ serializers: ['json', 'cbor'] }); });

    it('refuses a handshake without a subprotocol with HTTP 400 naming the WAMP subprotocols (spec: basic/building_blocks.md "WebSocket Transport")', async () => {
      const { status, body } = await refusedHandshake(sut.url, []);
      expect(status).to.equal(400);
      expect(body).to.contain('wamp.2.json, wamp.2.cbor');
      expect(sut.router.peers).to.have.length(0);
    });

    it('refuses a handshake offering only subprotocols we do not serve with HTTP 400', async () => {
      const { status } = await refusedHandshake(sut.url, ['wamp.2.msgpack', 'mqtt']);
      expect(status).to.equal(400);
    });

    it('negotiates the first offered subprotocol that a configured serializer implements', async () => {
      const client = await connect(sut.url, ['wamp.2.msgpack', 'wamp.2.cbor', 'wamp.2.json']);
      expect(client.protocol).to.equal('wamp.2.cbor');
      expect(sut.router.peer.details).to.include({ kind: 'websocket', serializer: 'cbor', protocol: 'wamp.2.cbor' });
      await client.close();
    });

    it('describes the connection in TransportDetails: tcp4 peer address and protocol, no copy of the request headers', async () => {
      const client = await connect(sut.url, 'wamp.2.json', { headers: { 'X-Test-Header': 'yes' } });
      const { details } = sut.router.peer;
      expect(details.peer).to.match(/^tcp4:127\.0\.0\.1:\d+$/);
      expect(details).to.deep.equal({ kind: 'websocket', serializer: 'json', protocol: 'wamp.2.json', peer: details.peer });
      await client.close();
    });
  });

  describe('messages', () => {
    beforeEach(async () => { sut = await startService(); });

    for (const protocol of ['wamp.2.json', 'wamp.2.msgpack', 'wamp.2.cbor']) {
      it(`round-trips a message over ${protocol}`, async () => {
        const client = await connect(sut.url, protocol);
        client.send(HELLO);
        expect(await client.next()).to.deep.equal(HELLO);
        await client.close();
      });
    }

    it('reports a binary message on wamp.2.json as SerializationError, which ends in ABORT protocol_violation (spec: basic/building_blocks.md)', async () => {
      const client = await connect(sut.url, 'wamp.2.json');
      client.sendRaw(Buffer.from(JSON.stringify(HELLO)), { binary: true });
      const abort = await client.next();
      expect([abort[0], abort[2]]).to.deep.equal([3, WampErrorUri.protocolViolation]);
      expect((await client.closed).code).to.equal(1000);
      expect(sut.router.errors[0]).to.be.instanceOf(SerializationError);
      expect(sut.router.errors[0]?.message).to.contain('binary message on wamp.2.json');
    });

    it('reports a text message on wamp.2.msgpack as SerializationError', async () => {
      const client = await connect(sut.url, 'wamp.2.msgpack');
      client.sendRaw(JSON.stringify(HELLO), { binary: false });
      await client.closed;
      expect(sut.router.errors[0]).to.be.instanceOf(SerializationError);
    });

    it('reports invalid JSON as SerializationError and a bad message shape as ProtocolViolationError', async () => {
      const bad = await connect(sut.url, 'wamp.2.json');
      bad.sendRaw('[1, "realm1",', { binary: false });
      await bad.closed;
      const shape = await connect(sut.url, 'wamp.2.json');
      shape.send([999]);
      await shape.closed;
      expect(sut.router.errors.map((e) => e.constructor)).to.deep.equal([SerializationError, ProtocolViolationError]);
    });

    it('closes with 1000 when the router closes the peer', async () => {
      const client = await connect(sut.url, 'wamp.2.json');
      sut.router.peer.close();
      expect((await client.closed).code).to.equal(1000);
    });

    it('closes a connection sending a message above maxMessageSize with 1009 and emits close for it', async () => {
      const client = await connect(sut.url, 'wamp.2.json');
      client.send([1, 'x'.repeat(70 * 1024), {}]);
      expect(await client.closed).to.deep.equal({ code: 1009, reason: 'message too big (limit 65536 bytes)' });
      expect(sut.router.closes).to.deep.equal([{ code: 1009, reason: 'message too big' }]);
      expect(sut.router.peer.closed).to.equal(true);
    });

    it('closes every connection with 1001 going away when the service closes', async () => {
      const client = await connect(sut.url, 'wamp.2.cbor');
      await sut.service.close();
      expect(await client.closed).to.deep.equal({ code: 1001, reason: 'going away' });
      expect(sut.service.connectionCount).to.equal(0);
    });
  });

  describe('keep-alive', () => {
    beforeEach(async () => { sut = await startService({ options: { maxMessageSize: 65536, autoPingInterval: 30, autoPingTimeout: 300 } }); });

    it('pings every autoPingInterval and keeps a connection that answers', async () => {
      const client = await connect(sut.url, 'wamp.2.json');
      let pings = 0;
      client.ws.on('ping', () => { pings += 1; });
      const deadline = Date.now() + 3_000;
      while (pings < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(pings).to.be.greaterThanOrEqual(3);
      expect(sut.router.peer.closed).to.equal(false);
      await client.close();
    });

    it('drops a connection that does not answer a ping within autoPingTimeout', async () => {
      const client = await connect(sut.url, 'wamp.2.json', { autoPong: false });
      expect((await client.closed).code).to.equal(1006);
      expect(sut.router.closes).to.deep.equal([{ code: 1006, reason: 'ping timeout' }]);
    });
  });

  describe('backpressure', () => {
    const event = { type: 36, subscription: 1, publication: 1, details: {}, args: ['x'.repeat(64 * 1024)] } as const;

    it('pauses reading above the high-water mark and resumes once the client drains the buffer', async () => {
      sut = await startService({}, { sendHighWaterMark: 256 * 1024, sendLowWaterMark: 0, sendBufferLimit: 1024 ** 3 });
      const client = await connect(sut.url, 'wamp.2.json');
      sut.router.echo = false;
      client.ws.pause();
      const peer = sut.router.peer as unknown as { send(m: typeof event): void; readPaused: boolean };
      for (let i = 0; i < 1_000 && !peer.readPaused; i++) peer.send(event);
      expect(peer.readPaused).to.equal(true);
      client.ws.resume();
      while (peer.readPaused) await client.next();
      await client.close();
    });

    it('closes with 1008 send buffer overflow instead of buffering without bound', async () => {
      sut = await startService({}, { sendHighWaterMark: 256 * 1024, sendLowWaterMark: 0, sendBufferLimit: 1024 * 1024 });
      const client = await connect(sut.url, 'wamp.2.json');
      client.ws.pause();
      const peer = sut.router.peer;
      let sent = 0;
      for (; sent < 2_000 && !peer.closed; sent++) peer.send(event);
      expect(peer.closed).to.equal(true);
      expect(sent).to.be.lessThan(2_000);
      expect(sut.router.closes).to.deep.equal([{ code: 1008, reason: 'send buffer overflow' }]);
      client.ws.terminate();
      await client.closed;
    });
  });
});
