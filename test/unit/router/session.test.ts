import { expect } from 'chai';
import { createRouter, type Router } from '../../../router/index.ts';
import { PayloadTooLargeError, SerializationError } from '../../../shared/errors.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../../shared/wamp/messages.ts';
import { WampCloseUri, WampErrorUri } from '../../../shared/wamp/uris.ts';
import { CLIENT_ROLES, LocalTestClient } from '../../helpers/local-client.ts';
import { openRealm, openRole } from '../../helpers/router-fixtures.ts';

const CALL: WampMessage = { type: MessageType.CALL, request: 1, options: {}, procedure: 'com.example.p', args: [] };

/** ABORT protocol_violation with a details.message, then the transport closes. */
async function expectViolation(client: LocalTestClient, message: RegExp, reason: string = WampErrorUri.protocolViolation): Promise<void> {
  const abort = await client.expect(MessageType.ABORT);
  expect(abort.reason).to.equal(reason);
  expect(abort.details['message']).to.match(message);
  await client.closed;
}

describe('RouterSession state machine (spec: basic/sessions.md)', () => {
  let router: Router;
  const clients: LocalTestClient[] = [];
  async function join(realm = 'realm1'): Promise<LocalTestClient> {
    const client = await LocalTestClient.join(router, realm);
    clients.push(client);
    return client;
  }
  function attach(): LocalTestClient {
    const client = new LocalTestClient(router);
    clients.push(client);
    return client;
  }
  beforeEach(() => {
    router = createRouter({
      realms: [openRealm('realm1')],
      handshakeTimeoutMs: 100,
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await router.close();
  });

  it('aborts a session whose first message is not HELLO', async () => {
    const client = attach();
    client.send(CALL);
    await expectViolation(client, /CALL is not allowed before HELLO/);
  });

  it('aborts a CALL pipelined after HELLO, before WELCOME was sent', async () => {
    const client = attach();
    client.send({ type: MessageType.HELLO, realm: 'realm1', details: { roles: CLIENT_ROLES } });
    client.send(CALL);
    await expectViolation(client, /CALL is not allowed before WELCOME/);
    expect(router.sessionCount).to.equal(0);
  });

  it('aborts a second HELLO', async () => {
    const client = await join();
    client.send({ type: MessageType.HELLO, realm: 'realm1', details: { roles: CLIENT_ROLES } });
    await expectViolation(client, /HELLO is not allowed in an established session/);
    expect(router.sessionCount).to.equal(0);
  });

  it('aborts AUTHENTICATE without a CHALLENGE', async () => {
    const first = attach();
    first.send({ type: MessageType.AUTHENTICATE, signature: 'x', extra: {} });
    await expectViolation(first, /AUTHENTICATE is not allowed before HELLO/);
    const joined = await join();
    joined.send({ type: MessageType.AUTHENTICATE, signature: 'x', extra: {} });
    await expectViolation(joined, /AUTHENTICATE is not allowed in an established session/);
  });

  it('aborts every router-to-client message type sent by a client', async () => {
    const routerOnly: WampMessage[] = [
      { type: MessageType.WELCOME, session: 1, details: {} },
      { type: MessageType.CHALLENGE, authMethod: 'ticket', extra: {} },
      { type: MessageType.PUBLISHED, request: 1, publication: 1 },
      { type: MessageType.SUBSCRIBED, request: 1, subscription: 1 },
      { type: MessageType.UNSUBSCRIBED, request: 1 },
      { type: MessageType.EVENT, subscription: 1, publication: 1, details: {} },
      { type: MessageType.RESULT, request: 1, details: {} },
      { type: MessageType.REGISTERED, request: 1, registration: 1 },
      { type: MessageType.UNREGISTERED, request: 1 },
      { type: MessageType.INVOCATION, request: 1, registration: 1, details: {} },
      { type: MessageType.INTERRUPT, request: 1, options: {} },
    ];
    for (const message of routerOnly) {
      const client = await join();
      client.send(message);
      await expectViolation(client, /is not allowed in an established session/);
    }
  });

  it('aborts a YIELD for an INVOCATION never issued to the session (dealer protocol violation)', async () => {
    const client = await join();
    client.send({ type: MessageType.YIELD, request: 99, options: {} });
    await expectViolation(client, /YIELD for INVOCATION 99/);
  });

  it('aborts on a transport error with the error URI (protocol_violation, payload_size_exceeded)', async () => {
    const bad = await join();
    bad.peer.fail(new SerializationError('invalid JSON'));
    await expectViolation(bad, /invalid JSON/);
    const big = await join();
    big.peer.fail(new PayloadTooLargeError(2048, 1024));
    await expectViolation(big, /exceeds the limit/, WampErrorUri.payloadSizeExceeded);
  });

  it('answers a client GOODBYE with GOODBYE wamp.close.goodbye_and_out and closes', async () => {
    const client = await join();
    client.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.closeRealm });
    expect(await client.expect(MessageType.GOODBYE)).to.deep.equal({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
    await client.closed;
    expect(router.sessionCount).to.equal(0);
  });

  it('closes when the client replies to the router GOODBYE, ignoring other messages meanwhile', async () => {
    const client = await join();
    const closing = router.close();
    expect(await client.expect(MessageType.GOODBYE)).to.have.property('reason', WampCloseUri.systemShutdown);
    client.send(CALL); // ignored: the router said GOODBYE (spec: basic/sessions.md "Session Closing")
    client.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
    await closing;
    await client.closed;
    expect(client.received.map((m) => m.type)).to.deep.equal([MessageType.WELCOME, MessageType.GOODBYE]);
  });

  it('aborts a handshake that does not reach WELCOME within handshakeTimeoutMs', async () => {
    const client = attach();
    const abort = await client.expect(MessageType.ABORT, 1_000);
    expect(abort).to.deep.include({ reason: WampErrorUri.timeout });
    await client.closed;
  });

  it('handles a session\'s messages in order while an async authorizer is slow (docs/conventions.md)', async () => {
    await router.close();
    router = createRouter({ realms: [{ name: 'realm1', roles: [openRole('backend'), { name: 'anonymous', authorizer: 'com.example.authorize' }] }] });
    const backend = await LocalTestClient.join(router, 'realm1', {}, { auth: { anonymous: { type: 'static', role: 'backend' } } });
    clients.push(backend);
    const seen: string[] = [];
    let inFlight = 0;
    await backend.serve('com.example.authorize', async (inv) => {
      inFlight += 1;
      expect(inFlight).to.equal(1); // the next authorization waits for this one
      const uri = inv.args?.[1] as string;
      seen.push(uri);
      await new Promise((resolve) => setTimeout(resolve, uri.endsWith('a') ? 30 : 1));
      inFlight -= 1;
      return true;
    });
    const client = await join();
    const topics = ['com.example.a', 'com.example.b', 'com.example.c'];
    topics.forEach((topic, i) => { client.send({ type: MessageType.SUBSCRIBE, request: i + 1, options: {}, topic }); });
    const replies = [await client.waitFor(), await client.waitFor(), await client.waitFor()];
    expect(replies.map((r) => [r.type, 'request' in r ? r.request : 0])).to.deep.equal([[33, 1], [33, 2], [33, 3]]);
    expect(seen).to.deep.equal(topics);
  });

  it('leaves other sessions working after one is aborted, and leaves the realm once', async () => {
    const alice = await join();
    const bob = await join();
    const carol = await join();
    const sub = await bob.subscribe('com.example.t');
    await carol.register('com.example.p');
    carol.send({ type: MessageType.WELCOME, session: 1, details: {} });
    await expectViolation(carol, /WELCOME/);
    expect(router.sessionCount).to.equal(2);
    alice.publish('com.example.t', ['still here']);
    expect(await bob.expect(MessageType.EVENT)).to.deep.include({ subscription: sub, args: ['still here'] });
    expect(await alice.call('com.example.p')).to.deep.include({ type: MessageType.ERROR, error: WampErrorUri.noSuchProcedure });
  });
});
