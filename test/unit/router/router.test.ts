import { expect } from 'chai';
import { createRouter, type Router } from '../../../router/index.ts';
import { WampCallError } from '../../../router/dealer/wamp-call-error.ts';
import { ConfigInvalidError } from '../../../shared/errors.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import type { Welcome } from '../../../shared/wamp/messages.ts';
import { WampCloseUri, WampErrorUri } from '../../../shared/wamp/uris.ts';
import { createLocalPair } from '../../../router/transports/local.ts';
import { LocalTestClient } from '../../helpers/local-client.ts';
import { openRealm } from '../../helpers/router-fixtures.ts';

describe('Router', () => {
  let router: Router;
  const clients: LocalTestClient[] = [];
  async function join(): Promise<LocalTestClient & { welcome: Welcome }> {
    const client = await LocalTestClient.join(router, 'realm1');
    clients.push(client);
    return client;
  }
  beforeEach(() => {
    router = createRouter({ realms: [openRealm('realm1')] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await router.close();
  });

  it('rejects invalid options with ConfigInvalidError', () => {
    expect(() => createRouter({ realms: [openRealm('r'), openRealm('r')] })).to.throw(ConfigInvalidError, /duplicate realm/);
    expect(() => createRouter({ realms: [openRealm('bad realm')] })).to.throw(ConfigInvalidError, /invalid realm name/);
    expect(() => createRouter({ realms: [], handshakeTimeoutMs: 0 })).to.throw(ConfigInvalidError, /handshakeTimeoutMs/);
  });

  it('calls a registered procedure as its trusted service session with Router.call', async () => {
    const callee = await join();
    await callee.serve('com.example.add', (inv) => (inv.args as number[]).reduce((a, b) => a + b, 0));
    expect(await router.call('realm1', 'com.example.add', [1, 2, 3])).to.deep.equal({ args: [6], kwargs: {} });
    expect(router.sessionCount).to.equal(1); // the service session is not a client session
  });

  it('rejects Router.call with WampCallError carrying the error URI', async () => {
    const callee = await join();
    await callee.serve('com.example.fail', () => { throw new Error('com.example.error.nope'); });
    const errors = await Promise.all([
      router.call('realm1', 'com.example.fail', []),
      router.call('realm1', 'com.example.missing', []),
      router.call('nowhere', 'com.example.add', []),
    ].map((p) => p.then(() => undefined, (e: unknown) => e)));
    expect(errors.every((e) => e instanceof WampCallError)).to.equal(true);
    expect(errors.map((e) => (e as WampCallError).error)).to.deep.equal(['com.example.error.nope', WampErrorUri.noSuchProcedure, WampErrorUri.noSuchRealm]);
  });

  it('routes PUBLISH from one client to the subscribers of another', async () => {
    const alice = await join();
    const bob = await join();
    const sub = await bob.subscribe('com.example', { match: 'prefix' });
    alice.publish('com.example.news', ['hi'], { disclose_me: true });
    const event = await bob.expect(MessageType.EVENT);
    expect(event).to.deep.include({ subscription: sub, args: ['hi'] });
    expect(event.details).to.deep.include({ topic: 'com.example.news', publisher: alice.welcome.session });
  });

  it('close() says GOODBYE wamp.close.system_shutdown to joined sessions and ABORT to handshaking ones', async () => {
    const joined = await join();
    const handshaking = new LocalTestClient(router);
    clients.push(handshaking);
    await handshaking.pending();
    const closing = router.close();
    expect(await joined.expect(MessageType.GOODBYE)).to.deep.equal({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.systemShutdown });
    joined.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
    expect(await handshaking.expect(MessageType.ABORT)).to.have.property('reason', WampCloseUri.systemShutdown);
    await closing;
    await Promise.all([joined.closed, handshaking.closed]);
    expect(router.sessionCount).to.equal(0);
  });

  it('fails Router.call in flight on close() and closes peers attached afterwards', async () => {
    const callee = await join();
    await callee.serve('com.example.never', () => new Promise(() => undefined));
    const pending = router.call('realm1', 'com.example.never', []).then(() => undefined, (e: unknown) => e);
    await callee.pending();
    callee.client.events.on('message', (m) => {
      if (m.type === MessageType.GOODBYE) callee.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
    });
    await router.close();
    expect(await pending).to.be.instanceOf(WampCallError);
    const { peer, client } = createLocalPair();
    router.attach(peer);
    expect(peer.closed).to.equal(true);
    client.close();
  });
});
