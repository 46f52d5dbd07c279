/**
 * Bad-input catalogue over RawSocket (docs/conventions.md; spec: advanced/transport_rawsocket.md), on TCP and
 * on a Unix socket: bad handshakes get the spec's error reply (or, without the magic octet, none);
 * bad frames and undecodable payloads get ABORT wamp.error.protocol_violation; an oversized frame
 * fails the connection. Each ends only the offending connection: two sessions joined before (a
 * JSON caller on TCP, a CBOR callee and subscriber on the Unix socket) keep working.
 */
import { expect } from 'chai';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { probeRawSocket as connectRawSocket, handshakeOnly, type RawSocketClient, type RawSocketEndpoint } from '../helpers/transports/rawsocket.ts';
import { startRawSocketRouter, type RawSocketTestRouter } from '../helpers/start-rawsocket.ts';

const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} };
const MAX_MESSAGE = 64 * 1024;
const MAX_CONNECTIONS = 4;
const HANDSHAKE_TIMEOUT_MS = 200;
const PV = WampErrorUri.protocolViolation;

describe('bad input over RawSocket', () => {
  let router: RawSocketTestRouter;
  let caller: RawSocketClient;
  let callee: RawSocketClient;
  let registration = 0;
  let subscription = 0;
  let request = 100;
  const clients: RawSocketClient[] = [];

  async function join(endpoint: RawSocketEndpoint, serializer: 'json' | 'msgpack' | 'cbor' = 'json'): Promise<RawSocketClient> {
    const client = await connectRawSocket(endpoint, serializer);
    clients.push(client);
    client.send([M.HELLO, 'realm1', { roles: ROLES }]);
    expect((await client.next())[0]).to.equal(M.WELCOME);
    return client;
  }
  async function answer(client: RawSocketClient, type: number): Promise<unknown[]> {
    const message = await client.next();
    expect(message[0], JSON.stringify(message)).to.equal(type);
    return message;
  }
  /** ABORT with `reason` and a details.message matching `message`, then the connection closes; nothing else. */
  async function expectAbort(client: RawSocketClient, message: RegExp): Promise<void> {
    const [type, details, reason] = await client.next();
    expect([type, reason]).to.deep.equal([M.ABORT, PV]);
    expect(details).to.have.property('message').that.matches(message);
    await expectClosedQuietly(client);
  }
  async function expectClosedQuietly(client: RawSocketClient): Promise<void> {
    await client.closed;
    const extra = await client.next(10).then((m) => m, (err: unknown) => err);
    expect(extra).to.be.instanceOf(Error, `unexpected message ${JSON.stringify(extra)}`);
  }
  /** An RPC round trip and an EVENT between the two sessions joined before the bad input. */
  async function assertRouterStillServes(): Promise<void> {
    const deadline = Date.now() + 2_000;
    while (router.router.sessionCount !== 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(router.router.sessionCount, 'joined sessions').to.equal(2);
    const id = ++request;
    caller.send([M.CALL, id, {}, 'com.good.echo', ['ping', id]]);
    const invocation = await answer(callee, M.INVOCATION);
    expect(invocation.slice(2)).to.deep.equal([registration, {}, ['ping', id]]);
    callee.send([M.YIELD, invocation[1], {}, ['pong', id]]);
    expect(await caller.next()).to.deep.equal([M.RESULT, id, {}, ['pong', id]]);
    caller.send([M.PUBLISH, ++request, { acknowledge: true }, 'com.good.topic', ['still here']]);
    const [, , publication] = await answer(caller, M.PUBLISHED);
    expect(await callee.next()).to.deep.equal([M.EVENT, subscription, publication, {}, ['still here']]);
  }

  beforeEach(async () => {
    router = await startRawSocketRouter({
      maxMessageSize: MAX_MESSAGE, maxConnections: MAX_CONNECTIONS, tuning: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS },
    });
    caller = await join(router.tcp, 'json');
    callee = await join(router.unix, 'cbor');
    callee.send([M.REGISTER, 1, {}, 'com.good.echo']);
    registration = (await answer(callee, M.REGISTERED))[2] as number;
    callee.send([M.SUBSCRIBE, 2, {}, 'com.good.topic']);
    subscription = (await answer(callee, M.SUBSCRIBED))[2] as number;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await router.close();
  });

  for (const name of ['tcp', 'unix'] as const) {
    describe(`the handshake, over ${name}`, () => {
      const refusals: [rule: string, request: string, reply: string][] = [
        ['an unsupported serializer (4, UBJSON) gets error 1', '7ff40000', '7f100000'],
        ['the illegal serializer 0 gets error 1', '7ff00000', '7f100000'],
        ['a client receiving at most 512 octets gets error 2', '7f010000', '7f200000'],
        ['nonzero reserved octets get error 3', '7ff10100', '7f300000'],
      ];
      for (const [rule, requestHex, replyHex] of refusals) {
        it(`${rule} (${replyHex}), then the connection closes (spec: "Router-to-Client Reply")`, async () => {
          expect(await handshakeOnly(router[name], Buffer.from(requestHex, 'hex'))).to.deep.equal({ reply: Buffer.from(replyHex, 'hex'), closed: true });
          await assertRouterStillServes();
        });
      }

      it('fails the connection without a reply when the first octet is not 0x7F (an HTTP request)', async () => {
        expect(await handshakeOnly(router[name], Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).to.deep.equal({ reply: Buffer.alloc(0), closed: true });
        await assertRouterStillServes();
      });

      it(`drops a connection whose handshake is incomplete after ${HANDSHAKE_TIMEOUT_MS} ms, without a reply`, async () => {
        const started = Date.now();
        expect(await handshakeOnly(router[name], Buffer.of(0x7f, 0xf1))).to.deep.equal({ reply: Buffer.alloc(0), closed: true });
        expect(Date.now() - started).to.be.at.least(HANDSHAKE_TIMEOUT_MS - 20);
        await assertRouterStillServes();
      });

      it(`refuses connection ${MAX_CONNECTIONS + 1} with error 4 (7f400000) and accepts again once one closed`, async () => {
        const more = [];
        for (let i = 1; i < MAX_CONNECTIONS; i++) more.push(await connectRawSocket(router[name], 'msgpack'));
        clients.push(...more);
        expect(await handshakeOnly(router[name], Buffer.from('7ff20000', 'hex'))).to.deep.equal({ reply: Buffer.from('7f400000', 'hex'), closed: true });
        await more[0]?.close();
        const again = await connectRawSocket(router[name], 'msgpack');
        clients.push(again);
        expect(again.reply).to.deep.equal(Buffer.from('7f720000', 'hex')); // LENGTH 7: 2^16 = MAX_MESSAGE
        await assertRouterStillServes();
      });
    });

    describe(`frames, over ${name}`, () => {
      it('fails the connection on a frame above the announced maximum, with no reply (spec: "MUST fail the connection")', async () => {
        const bad = await join(router[name]);
        bad.sendRaw(Buffer.of(0, 0x01, 0x00, 0x01)); // 65 537 octets announced: only the header is sent
        await expectClosedQuietly(bad);
        await assertRouterStillServes();
      });

      it('accepts a message of exactly the announced maximum', async () => {
        const big = await join(router[name]);
        const prefix = `[${M.PUBLISH},1,{"acknowledge":true},"com.good.topic",["`;
        const text = `${prefix}${'x'.repeat(MAX_MESSAGE - prefix.length - 3)}"]]`;
        expect(Buffer.byteLength(text)).to.equal(MAX_MESSAGE);
        big.sendFrame('message', text);
        expect((await big.next())[0]).to.equal(M.PUBLISHED);
        expect((await callee.next())[0]).to.equal(M.EVENT);
        await big.close();
        await assertRouterStillServes();
      });

      const framing: [rule: string, bytes: Buffer, message: RegExp][] = [
        ['a reserved frame type (3)', Buffer.of(3, 0, 0, 0), /^rawsocket: frame type 3 is reserved$/],
        ['a reserved frame type (7)', Buffer.of(7, 0, 0, 1, 0), /^rawsocket: frame type 7 is reserved$/],
        ['reserved RRRR bits in a frame header', Buffer.of(0x40, 0, 0, 1, 0x5b), /^rawsocket: reserved bits 0x40 set in a frame header$/],
        ['the X bit with a nonzero length', Buffer.of(0x08, 0, 0, 5), /^rawsocket: the X bit is set with a nonzero length 5$/],
        ['garbage after the handshake (an HTTP request line)', Buffer.from('GET / HTTP/1.1\r\n'), /^rawsocket: reserved bits 0x40 set in a frame header$/],
      ];
      for (const [rule, bytes, message] of framing) {
        it(`aborts with protocol_violation on ${rule}`, async () => {
          const bad = await join(router[name]);
          bad.sendRaw(bytes);
          await expectAbort(bad, message);
          await assertRouterStillServes();
        });
      }

      const garbage: [serializer: 'json' | 'msgpack' | 'cbor', payload: Buffer, message: RegExp][] = [
        ['json', Buffer.from('[32, 1, {}, "com.x"'), /^invalid JSON: /],
        ['json', Buffer.alloc(0), /^invalid JSON: /],
        ['msgpack', Buffer.of(0x94, 0x20, 0x01, 0x80), /^invalid MessagePack: /],
        ['cbor', Buffer.of(0x84, 0x18, 0x20, 0x01, 0xa0, 0x7c), /^invalid CBOR: /],
      ];
      for (const [serializer, payload, message] of garbage) {
        it(`aborts with protocol_violation on an undecodable ${serializer} payload of ${payload.length} octets (spec: basic/building_blocks.md "Protocol Errors")`, async () => {
          const bad = await join(router[name], serializer);
          bad.sendFrame('message', payload);
          await expectAbort(bad, message);
          await assertRouterStillServes();
        });
      }

      it('aborts with protocol_violation on a decodable payload that is not a WAMP message', async () => {
        const bad = await join(router[name], 'msgpack');
        bad.send({ not: 'an array' } as unknown as unknown[]);
        await expectAbort(bad, /./);
        await assertRouterStillServes();
      });
    });
  }
});
