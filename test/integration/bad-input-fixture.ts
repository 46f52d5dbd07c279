/**
 * Shared set-up of the bad-input catalogue (docs/conventions.md) over real WebSocket connections: a fresh
 * router on 127.0.0.1 (port 0) per test, with a small message limit and handshake timeout, and two
 * well-behaved sessions joined BEFORE the bad input. `assertRouterStillServes()` then proves they
 * still work: an RPC round trip and a pub/sub delivery between them.
 */
import { expect } from 'chai';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import type { TransportAuthConfig, WebSocketServiceConfig } from '../../shared/config/types.ts';
import { WEBSOCKET_SUBPROTOCOLS } from '../../shared/serializers/index.ts';
import type { Serializer } from '../../shared/serializers/serializer.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { probeWebSocket as connect, type RawWsClient } from '../helpers/transports/websocket.ts';
import { openRealm } from '../helpers/router-fixtures.ts';

export const PROTOCOLS = ['wamp.2.json', 'wamp.2.msgpack', 'wamp.2.cbor'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const MAX_MESSAGE = 1024 * 1024;
export const HANDSHAKE_TIMEOUT_MS = 200;
/** A service whose only authmethod is ticket: HELLO is answered by CHALLENGE. */
export const TICKET_PATH = '/ws-ticket';
export const GOOD_PROCEDURE = 'com.good.echo';
export const GOOD_TOPIC = 'com.good.topic';
const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} };
const TICKET_AUTH: TransportAuthConfig = { ticket: { type: 'static', principals: { alice: { ticket: 'secret', role: 'anonymous' } } } };

export interface BadInputBed {
  readonly router: Router;
  /** A raw connection that has not said HELLO. */
  open(protocol?: Protocol, path?: string): Promise<RawWsClient>;
  /** A raw connection with an established session on realm1. */
  join(protocol?: Protocol): Promise<RawWsClient>;
  /** Join and subscribe to `topic` (exact match); resolves with the subscription id. */
  subscriber(protocol: Protocol, topic: string): Promise<{ readonly client: RawWsClient; readonly subscription: number }>;
  /** RPC round trip + EVENT between the two good sessions; `sessions` = joined sessions expected now. */
  assertRouterStillServes(sessions?: number): Promise<void>;
}

export function serializerOf(client: RawWsClient): Serializer {
  const serializer = WEBSOCKET_SUBPROTOCOLS[client.protocol];
  if (!serializer) throw new Error(`no serializer for ${client.protocol}`);
  return serializer;
}

/** Send any value (not only an array) with the client's serializer. */
export function sendValue(client: RawWsClient, value: unknown): void {
  const serializer = serializerOf(client);
  client.sendRaw(serializer.encode(value as readonly unknown[]), { binary: serializer.binary });
}

async function until(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** ABORT with `reason` and a details.message matching `message`, then a normal (1000) close; nothing else. */
export async function expectAbort(client: RawWsClient, reason: string, message: RegExp): Promise<void> {
  const [type, details, got] = await client.next();
  expect([type, got]).to.deep.equal([M.ABORT, reason]);
  expect(details).to.have.property('message').that.matches(message);
  expect(await client.closed).to.deep.equal({ code: 1000, reason: '' });
  await expectNothingMore(client);
}

/** The connection is closed and no message is left unread. */
export async function expectNothingMore(client: RawWsClient): Promise<void> {
  await client.closed;
  const extra = await client.next(10).then((m) => m, (err: unknown) => err);
  expect(extra).to.be.instanceOf(Error, `unexpected message ${JSON.stringify(extra)}`);
}

/** ERROR [8, requestType, request, {}, uri, [text]] answering one request; the session stays open. */
export async function expectError(client: RawWsClient, requestType: number, request: number, uri: string): Promise<void> {
  const reply = await client.next();
  expect(reply.slice(0, 5)).to.deep.equal([M.ERROR, requestType, request, {}, uri]);
  expect(reply[5]).to.be.an('array').with.lengthOf(1);
}

function wsService(path: string, auth?: TransportAuthConfig): WebSocketServiceConfig {
  return {
    type: 'websocket', path, serializers: ['json', 'msgpack', 'cbor'],
    options: { maxMessageSize: MAX_MESSAGE, autoPingInterval: 0, autoPingTimeout: 1_000 },
    ...(auth ? { auth } : {}),
  };
}

/** Registers beforeEach/afterEach in the calling describe and returns the bed they (re)build. */
export function useBadInputRouter(): BadInputBed {
  let router: Router | undefined;
  let listener: Listener | undefined;
  const clients: RawWsClient[] = [];
  let caller: RawWsClient;
  let callee: RawWsClient;
  let registration = 0;
  let subscription = 0;
  let request = 100;

  async function open(protocol: Protocol = 'wamp.2.json', path = '/ws'): Promise<RawWsClient> {
    if (!listener) throw new Error('no router running');
    const client = await connect(listener.url(path, 'ws'), protocol);
    clients.push(client);
    return client;
  }
  async function join(protocol: Protocol = 'wamp.2.json'): Promise<RawWsClient> {
    const client = await open(protocol);
    client.send([M.HELLO, 'realm1', { roles: ROLES }]);
    expect((await client.next())[0]).to.equal(M.WELCOME);
    return client;
  }
  async function answer(client: RawWsClient, expected: number): Promise<unknown[]> {
    const reply = await client.next();
    expect(reply[0]).to.equal(expected);
    return reply;
  }

  beforeEach(async () => {
    router = createRouter({ realms: [openRealm('realm1')], handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    listener = await startHttpTransport(router, {
      type: 'http',
      endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
      services: [wsService('/ws'), wsService(TICKET_PATH, TICKET_AUTH)],
    });
    caller = await join('wamp.2.json');
    callee = await join('wamp.2.cbor');
    callee.send([M.REGISTER, 1, {}, GOOD_PROCEDURE]);
    registration = (await answer(callee, M.REGISTERED))[2] as number;
    callee.send([M.SUBSCRIBE, 2, {}, GOOD_TOPIC]);
    subscription = (await answer(callee, M.SUBSCRIBED))[2] as number;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await listener?.close();
    await router?.close();
  });

  return {
    get router() {
      if (!router) throw new Error('no router running');
      return router;
    },
    open,
    join,
    async subscriber(protocol, topic) {
      const client = await join(protocol);
      client.send([M.SUBSCRIBE, 1, {}, topic]);
      return { client, subscription: (await answer(client, M.SUBSCRIBED))[2] as number };
    },
    async assertRouterStillServes(sessions = 2) {
      const current = router;
      await until(() => current?.sessionCount === sessions, `${sessions} joined sessions (have ${current?.sessionCount})`);
      const id = ++request;
      caller.send([M.CALL, id, {}, GOOD_PROCEDURE, ['ping', id]]);
      const invocation = await answer(callee, M.INVOCATION);
      expect(invocation.slice(2)).to.deep.equal([registration, {}, ['ping', id]]);
      callee.send([M.YIELD, invocation[1], {}, ['pong', id]]);
      expect(await caller.next()).to.deep.equal([M.RESULT, id, {}, ['pong', id]]);
      caller.send([M.PUBLISH, ++request, { acknowledge: true }, GOOD_TOPIC, ['still here']]);
      const published = await answer(caller, M.PUBLISHED);
      expect(published[1]).to.equal(request);
      expect(await callee.next()).to.deep.equal([M.EVENT, subscription, published[2], {}, ['still here']]);
    },
  };
}
