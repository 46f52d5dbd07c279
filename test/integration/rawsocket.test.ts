/**
 * WAMP over RawSocket against the real router (spec: advanced/transport_rawsocket.md), over TCP
 * (127.0.0.1, port 0) and a Unix socket in a temporary directory: the handshake per serializer,
 * sessions, RPC and pub/sub across RawSocket and WebSocket clients, PING/PONG, and the limits the
 * client announces. Bad input: bad-input-rawsocket.test.ts.
 */
import { expect } from 'chai';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampCloseUri, WampErrorUri } from '../../shared/wamp/uris.ts';
import { buildHandshakeReply } from '../../router/transports/rawsocket-codec.ts';
import { probeWebSocket as connect, type RawWsClient } from '../helpers/transports/websocket.ts';
import { probeRawSocket as connectRawSocket, openSocket, type RawSocketClient, type RawSocketEndpoint } from '../helpers/transports/rawsocket.ts';
import { startRawSocketRouter, type RawSocketTestRouter } from '../helpers/start-rawsocket.ts';

const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} };
const SERIALIZERS = ['json', 'msgpack', 'cbor'] as const;
/** Second octet of our reply: LENGTH 15 (16 MiB) and the echoed serializer. */
const REPLY = { json: 'f1', msgpack: 'f2', cbor: 'f3' } as const;
type Client = RawSocketClient | RawWsClient;

describe('RawSocket transport', () => {
  let router: RawSocketTestRouter;
  const open: Client[] = [];

  async function rs(endpoint: RawSocketEndpoint, serializer: (typeof SERIALIZERS)[number] = 'json', lengthExponent = 15): Promise<RawSocketClient> {
    const client = await connectRawSocket(endpoint, serializer, { lengthExponent });
    open.push(client);
    return client;
  }
  async function ws(protocol = 'wamp.2.msgpack'): Promise<RawWsClient> {
    const client = await connect(router.url, protocol);
    open.push(client);
    return client;
  }
  async function join<C extends Client>(client: C): Promise<C> {
    client.send([M.HELLO, 'realm1', { roles: ROLES }]);
    const [type] = await client.next();
    expect(type).to.equal(M.WELCOME);
    return client;
  }
  async function reply(client: Client, type: number): Promise<unknown[]> {
    const message = await client.next();
    expect(message[0], JSON.stringify(message)).to.equal(type);
    return message;
  }
  async function register(client: Client, procedure: string): Promise<number> {
    client.send([M.REGISTER, 1, {}, procedure]);
    return (await reply(client, M.REGISTERED))[2] as number;
  }
  async function subscribe(client: Client, topic: string): Promise<number> {
    client.send([M.SUBSCRIBE, 2, {}, topic]);
    return (await reply(client, M.SUBSCRIBED))[2] as number;
  }

  beforeEach(async () => { router = await startRawSocketRouter(); });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await router.close();
  });

  for (const name of ['tcp', 'unix'] as const) {
    for (const serializer of SERIALIZERS) {
      it(`${name}: answers a ${serializer} handshake with 7f ${REPLY[serializer]} 00 00 and joins with HELLO → WELCOME`, async () => {
        const client = await rs(router[name], serializer);
        expect(client.reply).to.deep.equal(buildHandshakeReply(15, serializer));
        client.send([M.HELLO, 'realm1', { roles: ROLES }]);
        const [type, session, details] = await client.next();
        expect(type).to.equal(M.WELCOME);
        expect(session).to.be.a('number');
        expect(details).to.have.nested.property('roles.dealer');
        expect(router.router.sessionCount).to.equal(1);
      });
    }
  }

  it('routes RPC between RawSocket TCP, RawSocket Unix and WebSocket sessions, each way (cross-transport)', async () => {
    const wsCallee = await join(await ws('wamp.2.msgpack'));
    const unixCallee = await join(await rs(router.unix, 'cbor'));
    const tcpCaller = await join(await rs(router.tcp, 'json'));
    const wsCaller = await join(await ws('wamp.2.json'));
    const wsReg = await register(wsCallee, 'com.x.on_ws');
    const unixReg = await register(unixCallee, 'com.x.on_unix');
    const calls: [Client, Client, number, string][] = [[tcpCaller, wsCallee, wsReg, 'com.x.on_ws'], [wsCaller, unixCallee, unixReg, 'com.x.on_unix'], [tcpCaller, unixCallee, unixReg, 'com.x.on_unix']];
    for (const [caller, callee, registration, procedure] of calls) {
      caller.send([M.CALL, 7, {}, procedure, ['héllo', 2 ** 40], { bytes: Uint8Array.of(1, 2, 3) }]);
      const invocation = await reply(callee, M.INVOCATION);
      expect(invocation.slice(2)).to.deep.equal([registration, {}, ['héllo', 2 ** 40], { bytes: Uint8Array.of(1, 2, 3) }]);
      callee.send([M.YIELD, invocation[1], {}, ['done', procedure]]);
      expect(await caller.next()).to.deep.equal([M.RESULT, 7, {}, ['done', procedure]]);
    }
  });

  it('delivers an EVENT published over RawSocket to subscribers on TCP, Unix and WebSocket', async () => {
    const subscribers = [await join(await rs(router.tcp, 'msgpack')), await join(await rs(router.unix, 'json')), await join(await ws('wamp.2.cbor'))];
    const subscriptions = await Promise.all(subscribers.map((s) => subscribe(s, 'com.x.topic')));
    const publisher = await join(await rs(router.unix, 'cbor'));
    publisher.send([M.PUBLISH, 3, { acknowledge: true }, 'com.x.topic', [1, 'two'], { three: 3 }]);
    const [, , publication] = await reply(publisher, M.PUBLISHED);
    for (const [i, subscriber] of subscribers.entries()) {
      expect(await subscriber.next()).to.deep.equal([M.EVENT, subscriptions[i], publication, {}, [1, 'two'], { three: 3 }]);
    }
  });

  it('answers every PING with exactly one PONG echoing its payload, before and after HELLO (spec: "MUST reply to each PING")', async () => {
    const client = await rs(router.tcp, 'cbor');
    client.sendRaw(Buffer.concat([Buffer.of(1, 0, 0, 3, 0xaa, 0xbb, 0xcc), Buffer.of(1, 0, 0, 0)]));
    expect(await client.nextControl()).to.deep.include({ type: 'pong', payload: Buffer.of(0xaa, 0xbb, 0xcc) });
    expect(await client.nextControl()).to.deep.include({ type: 'pong', payload: Buffer.alloc(0) });
    await join(client);
    const payload = Buffer.alloc(70_000, 0x5a);
    client.sendFrame('ping', payload);
    expect((await client.nextControl()).payload.equals(payload)).to.equal(true);
  });

  it('never sends a PING of its own (Twisted RawSocket peers drop the connection on one) and ignores an unsolicited PONG', async () => {
    const client = await join(await rs(router.unix, 'json'));
    client.sendFrame('pong', 'unsolicited');
    const nothing = await client.nextControl(300).then(() => 'a frame', (err: unknown) => (err as Error).message);
    expect(nothing).to.equal('no control within 300 ms');
    expect(client.isClosed).to.equal(false);
  });

  it('accepts frames that arrive in the same read as the handshake (a client that does not wait for the reply)', async () => {
    const socket = await openSocket(router.tcp);
    const hello = Buffer.from(JSON.stringify([M.HELLO, 'realm1', { roles: ROLES }]));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write(Buffer.concat([Buffer.of(0x7f, 0xf1, 0, 0, 0, 0, 0, hello.length), hello]));
    const deadline = Date.now() + 2_000;
    while (Buffer.concat(received).length < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const bytes = Buffer.concat(received);
    expect(bytes.subarray(0, 4)).to.deep.equal(Buffer.of(0x7f, 0xf1, 0, 0));
    expect(JSON.parse(bytes.subarray(8).toString('utf8'))).to.have.property('0', M.WELCOME);
    socket.destroy();
  });

  it('sends GOODBYE wamp.close.system_shutdown and closes RawSocket sessions when the router shuts down', async () => {
    const client = await join(await rs(router.unix, 'msgpack'));
    const closing = router.router.close();
    const goodbye = await reply(client, M.GOODBYE);
    expect(goodbye[2]).to.equal(WampCloseUri.systemShutdown);
    client.send([M.GOODBYE, {}, WampCloseUri.goodbyeAndOut]);
    await closing;
    await client.closed;
  });

  describe('the length limit the client announced (spec: "a Router MUST NOT send messages larger than this size")', () => {
    const big = 'x'.repeat(1500);

    it('drops an EVENT above it and keeps the subscriber connected', async () => {
      const small = await join(await rs(router.tcp, 'json', 1)); // receives at most 1024 octets
      const subscription = await subscribe(small, 'com.x.big');
      const publisher = await join(await ws());
      publisher.send([M.PUBLISH, 1, {}, 'com.x.big', [big]]);
      publisher.send([M.PUBLISH, 2, { acknowledge: true }, 'com.x.big', ['small']]);
      const [, , publication] = await reply(publisher, M.PUBLISHED);
      expect(await small.next()).to.deep.equal([M.EVENT, subscription, publication, {}, ['small']]);
    });

    it('turns a RESULT above it into ERROR wamp.error.payload_size_exceeded for the caller', async () => {
      const callee = await join(await ws());
      await register(callee, 'com.x.big');
      const caller = await join(await rs(router.unix, 'cbor', 1));
      caller.send([M.CALL, 5, {}, 'com.x.big', []]);
      const invocation = await reply(callee, M.INVOCATION);
      callee.send([M.YIELD, invocation[1], {}, [big]]);
      const error = await reply(caller, M.ERROR);
      expect(error.slice(0, 5)).to.deep.equal([M.ERROR, M.CALL, 5, {}, WampErrorUri.payloadSizeExceeded]);
      expect((error[5] as string[])[0]).to.match(/^the RESULT of 15\d\d octets exceeds the client's RawSocket limit of 1024 octets$/);
    });

    it('answers an INVOCATION above it with ERROR wamp.error.payload_size_exceeded to the caller, the callee staying registered', async () => {
      const callee = await join(await rs(router.tcp, 'msgpack', 1));
      const registration = await register(callee, 'com.x.small_callee');
      const caller = await join(await ws('wamp.2.json'));
      caller.send([M.CALL, 9, {}, 'com.x.small_callee', [big]]);
      const error = await reply(caller, M.ERROR);
      expect(error.slice(0, 5)).to.deep.equal([M.ERROR, M.CALL, 9, {}, WampErrorUri.payloadSizeExceeded]);
      caller.send([M.CALL, 10, {}, 'com.x.small_callee', ['ok']]);
      const invocation = await reply(callee, M.INVOCATION);
      expect(invocation.slice(2)).to.deep.equal([registration, {}, ['ok']]);
    });
  });
});

describe('RawSocket transport limits', () => {
  it('announces the largest 2^(9+L) within max_message_size: 1 000 000 → LENGTH 10 (524 288 octets)', async () => {
    const router = await startRawSocketRouter({ maxMessageSize: 1_000_000 });
    try {
      const client = await connectRawSocket(router.tcp, 'json');
      expect(client.reply).to.deep.equal(Buffer.of(0x7f, 0xa1, 0, 0));
      await client.close();
    } finally {
      await router.close();
    }
  });
});
