/**
 * autobahn-js (npm `autobahn`) against the session meta API over WebSocket, for every serializer:
 * a `backend` session watches wamp.session.on_join / on_leave and calls wamp.session.count / get;
 * alice (role `user`, no `wamp.` permission) is refused the meta procedures.
 */
import { expect } from 'chai';
import { MetaProcedure, MetaTopic } from '../../router/meta/uris.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { startTestRouter, type TestRouter } from '../helpers/start-router.ts';
import { join, settle, type OpenSession } from './autobahn-js-client.ts';
import { REALM, REALMS, SERIALIZERS, STATIC_AUTH, TICKETS } from './fixture.ts';

/** Event payloads in arrival order, awaitable one by one. */
class Inbox {
  readonly #items: unknown[][] = [];
  readonly #waiters: ((args: unknown[]) => void)[] = [];
  readonly push = (args: unknown[]): void => {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(args);
    else this.#items.push(args);
  };
  next(): Promise<unknown[]> {
    const item = this.#items.shift();
    return item ? Promise.resolve(item) : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

for (const serializer of SERIALIZERS) {
  describe(`autobahn-js and the session meta API over wamp.2.${serializer}`, () => {
    let router: TestRouter;
    let monitor: OpenSession;
    const ticket = (authid: keyof typeof TICKETS) =>
      join({ url: router.url, realm: REALM, serializer, authmethods: ['ticket'], authid, onchallenge: () => TICKETS[authid] });

    before(async () => {
      router = await startTestRouter({ realms: REALMS, auth: STATIC_AUTH, serializers: [serializer] });
      monitor = await ticket('backend');
    });
    after(async () => {
      await monitor.close();
      await router.close();
    });

    it('delivers on_join and on_leave and answers wamp.session.count / get (spec: advanced/meta_api_sessions.md)', async () => {
      const joins = new Inbox();
      const leaves = new Inbox();
      await monitor.session.subscribe(MetaTopic.sessionOnJoin, joins.push);
      await monitor.session.subscribe(MetaTopic.sessionOnLeave, leaves.push);
      const alice = await ticket('alice');
      const id = alice.session.id;
      const [details] = await joins.next();
      expect(details).to.deep.include({ session: id, authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static' });
      expect(details).to.have.nested.property('transport.type', 'websocket');
      expect(details).to.have.nested.property('transport.protocol', `wamp.2.${serializer}`);
      expect(await monitor.session.call(MetaProcedure.sessionCount)).to.equal(2);
      expect(await monitor.session.call(MetaProcedure.sessionCount, [['user']])).to.equal(1);
      expect(await monitor.session.call(MetaProcedure.sessionGet, [id])).to.deep.equal(details);
      expect(await settle(alice.session.call(MetaProcedure.sessionCount))).to.deep.equal({ ok: false, uri: WampErrorUri.notAuthorized });
      await alice.close();
      expect(await leaves.next()).to.deep.equal([id, 'alice', 'user']);
      expect(await settle(monitor.session.call(MetaProcedure.sessionGet, [id]))).to.deep.equal({ ok: false, uri: WampErrorUri.noSuchSession });
    });
  });
}
