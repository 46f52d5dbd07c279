/**
 * WAMP over HTTP long-poll against the real router (spec: advanced/transport_http_longpoll.md):
 * open, send/receive, RPC and pub/sub with a WebSocket peer, batching, timeouts, close and the
 * queue limit. Real HTTP with fetch on 127.0.0.1.
 */
import { expect } from 'chai';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampCloseUri } from '../../shared/wamp/uris.ts';
import { requestSeen } from '../helpers/http-request-seen.ts';
import { probeLongPoll as openLongPoll, post, type LongPollClient } from '../helpers/transports/longpoll.ts';
import { probeWebSocket as connect, type RawWsClient } from '../helpers/transports/websocket.ts';
import { ROLES, SHORT, joinLongPoll, startLongPollRouter, until, type LongPollFixture } from './longpoll-fixture.ts';

/** Resolves once the router has taken `client`'s next receive request and holds it (no answer yet). */
async function receiveHeld(client: LongPollClient): Promise<void> {
  const path = `${new URL(client.url).pathname}/receive`;
  const { response } = await requestSeen((requested) => requested === path);
  expect(response.writableEnded, 'the receive is held').to.equal(false);
}

/**
 * Subscribes the WebSocket peer to `topic`; `count(n)` then resolves once it got n EVENTs, so the
 * router has handled those publications, and the PUBLISHED answers to the long-poll publisher are
 * queued (router/broker/broker.ts sends a publication's EVENTs, then its PUBLISHED, in one step).
 */
async function watch(ws: RawWsClient, topic: string): Promise<{ count(n: number): Promise<void> }> {
  ws.send([M.SUBSCRIBE, 90, {}, topic]);
  expect((await ws.next())[0]).to.equal(M.SUBSCRIBED);
  return {
    async count(n) {
      for (let i = 0; i < n; i++) expect((await ws.next())[0]).to.equal(M.EVENT);
    },
  };
}

describe('WAMP long-poll transport', () => {
  let lp: LongPollFixture;
  let ws: RawWsClient;

  before(async () => {
    lp = await startLongPollRouter();
  });
  beforeEach(async () => {
    ws = await connect(lp.wsUrl, 'wamp.2.json');
    ws.send([M.HELLO, 'realm1', { roles: ROLES }]);
    expect((await ws.next())[0]).to.equal(M.WELCOME);
  });
  afterEach(() => ws.close());
  after(() => lp.close());

  it('open picks the first offered protocol it speaks and returns an unguessable transport id (spec: "Opening a Session")', async () => {
    const a = await openLongPoll(lp.base, ['wamp.2.ubjson', 'wamp.2.msgpack.batched', 'wamp.2.json']);
    const b = await openLongPoll(lp.base, ['wamp.2.json']);
    expect(a.protocol).to.equal('wamp.2.msgpack.batched');
    expect(a.transport).to.match(/^[A-Za-z0-9_-]{22}$/);
    expect(b.transport).to.not.equal(a.transport);
    expect(await a.close()).to.equal(204);
    expect(await b.close()).to.equal(204);
  });

  it('joins a realm: HELLO via send answers 204, WELCOME arrives via receive', async () => {
    const before = lp.router.sessionCount;
    const { client, session } = await joinLongPoll(lp.base);
    expect(session).to.be.a('number');
    expect(lp.router.sessionCount).to.equal(before + 1);
    expect(await client.close()).to.equal(204);
    await until(() => lp.router.sessionCount === before);
  });

  it('routes RPC between a long-poll caller and a WebSocket callee, and the other way round', async () => {
    const { client } = await joinLongPoll(lp.base);
    ws.send([M.REGISTER, 1, {}, 'com.lp.ws_add']);
    expect((await ws.next())[0]).to.equal(M.REGISTERED);
    await client.send([M.CALL, 1, {}, 'com.lp.ws_add', [2, 3]]);
    const invocation = await ws.next();
    expect(invocation[0]).to.equal(M.INVOCATION);
    ws.send([M.YIELD, invocation[1], {}, [5]]);
    expect(await client.next()).to.deep.equal([M.RESULT, 1, {}, [5]]);

    await client.send([M.REGISTER, 2, {}, 'com.lp.lp_echo']);
    expect((await client.next())[0]).to.equal(M.REGISTERED);
    ws.send([M.CALL, 2, {}, 'com.lp.lp_echo', ['hi']]);
    const lpInvocation = await client.next();
    expect(lpInvocation[0]).to.equal(M.INVOCATION);
    await client.send([M.YIELD, lpInvocation[1], {}, lpInvocation[4]]);
    expect(await ws.next()).to.deep.equal([M.RESULT, 2, {}, ['hi']]);
    await client.close();
  });

  it('delivers events from a WebSocket publisher to a long-poll subscriber and back', async () => {
    const { client } = await joinLongPoll(lp.base);
    await client.send([M.SUBSCRIBE, 1, {}, 'com.lp.news']);
    expect((await client.next())[0]).to.equal(M.SUBSCRIBED);
    ws.send([M.SUBSCRIBE, 1, {}, 'com.lp.news']);
    expect((await ws.next())[0]).to.equal(M.SUBSCRIBED);
    ws.send([M.PUBLISH, 2, {}, 'com.lp.news', ['from ws']]);
    const event = await client.next();
    expect([event[0], event[4]]).to.deep.equal([M.EVENT, ['from ws']]);
    await client.send([M.PUBLISH, 2, {}, 'com.lp.news', ['from lp']]);
    const back = await ws.next();
    expect([back[0], back[4]]).to.deep.equal([M.EVENT, ['from lp']]);
    await client.close();
  });

  for (const protocol of ['wamp.2.json.batched', 'wamp.2.msgpack.batched', 'wamp.2.cbor.batched']) {
    it(`${protocol}: takes several messages in one send and returns every queued message in one receive (spec: "Receiving")`, async () => {
      const { client } = await joinLongPoll(lp.base, protocol);
      const events = await watch(ws, 'com.lp.batch');
      const publishes = [1, 2, 3].map((request) => [M.PUBLISH, request, { acknowledge: true }, 'com.lp.batch', [request]]);
      expect(await client.sendBatch(publishes)).to.equal(204);
      await events.count(3);
      const got = await client.receive();
      expect(got.status).to.equal(200);
      expect(got.messages.map((m) => [m[0], m[1]])).to.deep.equal([[M.PUBLISHED, 1], [M.PUBLISHED, 2], [M.PUBLISHED, 3]]);
      await client.close();
    });
  }

  it('returns one message per receive in unbatched mode (spec: "at most one message returned for each request")', async () => {
    const { client } = await joinLongPoll(lp.base, 'wamp.2.msgpack');
    const events = await watch(ws, 'com.lp.one');
    await client.send([M.PUBLISH, 1, { acknowledge: true }, 'com.lp.one']);
    await client.send([M.PUBLISH, 2, { acknowledge: true }, 'com.lp.one']);
    await events.count(2);
    const first = await client.receive();
    const second = await client.receive();
    expect(first.headers.get('content-type')).to.equal('application/x-msgpack');
    expect([first.messages, second.messages].map((ms) => ms.map((m) => m[1]))).to.deep.equal([[1], [2]]);
    await client.close();
  });

  it('holds a receive until a message arrives', async () => {
    const { client } = await joinLongPoll(lp.base);
    await client.send([M.SUBSCRIBE, 1, {}, 'com.lp.held']);
    expect((await client.next())[0]).to.equal(M.SUBSCRIBED);
    const started = Date.now();
    const seen = receiveHeld(client);
    const held = client.receive();
    await seen;
    ws.send([M.PUBLISH, 3, {}, 'com.lp.held', ['now']]);
    const got = await held;
    expect(got.messages[0]?.[4]).to.deep.equal(['now']);
    expect(Date.now() - started).to.be.below(900);
    await client.close();
  });

  it('answers a held receive with 204 and no body after requestTimeout', async () => {
    const { client } = await joinLongPoll(lp.shortBase);
    const started = Date.now();
    const got = await client.receive();
    expect(got.status).to.equal(204);
    expect(Date.now() - started).to.be.at.least(SHORT.requestTimeout - 10);
    await client.close();
  });

  it('answers the older of two held receives with 204; the newer one gets the message', async () => {
    const { client } = await joinLongPoll(lp.base);
    const seen = receiveHeld(client);
    const older = client.receive();
    await seen;
    const newer = client.receive();
    expect((await older).status).to.equal(204);
    await client.send([M.PUBLISH, 1, { acknowledge: true }, 'com.lp.replace']);
    expect((await newer).messages[0]?.[0]).to.equal(M.PUBLISHED);
    await client.close();
  });

  it('closes a transport without requests for sessionTimeout and frees its session', async () => {
    const before = lp.router.sessionCount;
    const { client } = await joinLongPoll(lp.shortBase);
    expect(lp.router.sessionCount).to.equal(before + 1);
    await until(() => lp.router.sessionCount === before, 2_000);
    expect((await client.receive()).status).to.equal(404);
  });

  it('keeps a transport that keeps polling past sessionTimeout', async () => {
    const before = lp.router.sessionCount;
    const { client } = await joinLongPoll(lp.shortBase);
    const end = Date.now() + 3 * SHORT.sessionTimeout;
    while (Date.now() < end) expect((await client.receive()).status).to.equal(204);
    expect(lp.router.sessionCount).to.equal(before + 1);
    await client.close();
  });

  it('close answers 204, ends the session and forgets the transport id (404 afterwards)', async () => {
    const before = lp.router.sessionCount;
    const { client } = await joinLongPoll(lp.base);
    expect(await client.close()).to.equal(204);
    await until(() => lp.router.sessionCount === before);
    expect((await post(`${client.url}/send`, '[6,{},"wamp.close.normal"]')).status).to.equal(404);
  });

  it('delivers the router\'s GOODBYE after the session ended, discards later sends, then answers receive with 410', async () => {
    const { client } = await joinLongPoll(lp.base);
    await client.send([M.GOODBYE, {}, WampCloseUri.normal]);
    expect(await client.next()).to.deep.equal([M.GOODBYE, {}, WampCloseUri.goodbyeAndOut]);
    expect(await client.send([M.GOODBYE, {}, WampCloseUri.goodbyeAndOut])).to.equal(204);
    expect((await client.receive()).status).to.equal(410);
    expect(await client.close()).to.equal(204);
  });

  it('closes a transport whose queue exceeds queueLimitBytes and frees its session', async () => {
    const before = lp.router.sessionCount;
    const { client } = await joinLongPoll(lp.queueBase);
    await client.send([M.SUBSCRIBE, 1, {}, 'com.lp.flood']);
    expect((await client.next())[0]).to.equal(M.SUBSCRIBED);
    for (let i = 0; i < 3; i++) ws.send([M.PUBLISH, 10 + i, { acknowledge: true }, 'com.lp.flood', ['x'.repeat(1000)]]);
    for (let i = 0; i < 3; i++) expect((await ws.next()).slice(0, 2), 'its EVENT is queued for the long-poll client').to.deep.equal([M.PUBLISHED, 10 + i]);
    expect(lp.router.sessionCount, 'still within the limit').to.equal(before + 1);
    for (let i = 3; i < 6; i++) ws.send([M.PUBLISH, 10 + i, {}, 'com.lp.flood', ['x'.repeat(1000)]]);
    await until(() => lp.router.sessionCount === before, 2_000);
    expect((await client.receive()).status).to.equal(404);
  });
});

describe('WAMP long-poll transport: shutdown', () => {
  it('router.close() sends GOODBYE wamp.close.system_shutdown through a held receive', async () => {
    const lp = await startLongPollRouter();
    try {
      const { client } = await joinLongPoll(lp.base);
      const held = client.receive();
      const closing = lp.router.close();
      expect((await held).messages[0]).to.deep.equal([M.GOODBYE, {}, WampCloseUri.systemShutdown]);
      await client.send([M.GOODBYE, {}, WampCloseUri.goodbyeAndOut]);
      await closing;
      expect(lp.router.sessionCount).to.equal(0);
    } finally {
      await lp.close();
    }
  });

  it('listener.close() answers a held receive with 503 and frees its session', async () => {
    const lp = await startLongPollRouter();
    try {
      const { client } = await joinLongPoll(lp.base);
      const seen = receiveHeld(client);
      const held = client.receive();
      await seen;
      await lp.listener.close();
      expect((await held).status).to.equal(503);
      expect(lp.router.sessionCount).to.equal(0);
    } finally {
      await lp.close();
    }
  });
});
