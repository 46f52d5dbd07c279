import { expect } from 'chai';
import { ROUTER_ROLES } from '../../../../shared/wamp/features.ts';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { MetaProcedure, MetaTopic } from '../../../../router/meta/uris.ts';
import { LocalTestClient } from '../../../helpers/local-client.ts';
import { AUTH, event, eventArgs, failure, goodbye, MetaFixture, REALM, value } from './meta-fixture.ts';

describe('Session meta API (spec: advanced/meta_api_sessions.md)', () => {
  let fixture: MetaFixture;
  beforeEach(() => { fixture = new MetaFixture(); });
  afterEach(() => fixture.close());

  it('announces session_meta_api on broker and dealer, registration/subscription/testament meta APIs in WELCOME', async () => {
    const admin = await fixture.join('admin');
    expect(admin.welcome.details['roles']).to.deep.equal(ROUTER_ROLES);
    expect(ROUTER_ROLES.broker.features).to.include({ session_meta_api: true, subscription_meta_api: true });
    expect(ROUTER_ROLES.dealer.features).to.include({ session_meta_api: true, registration_meta_api: true, testament_meta_api: true });
  });

  it('counts and lists the joined sessions, optionally only those with an authrole in filter_authroles', async () => {
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    const bob = await fixture.join('bob');
    expect(await value(admin, MetaProcedure.sessionCount)).to.equal(3);
    expect(await value(admin, MetaProcedure.sessionCount, [['user']])).to.equal(2);
    expect(await value(admin, MetaProcedure.sessionCount, [['nobody']])).to.equal(0);
    expect(await value(admin, MetaProcedure.sessionList)).to.have.members([admin.id, alice.id, bob.id]);
    expect(await value(admin, MetaProcedure.sessionList, [['admin']])).to.deep.equal([admin.id]);
    expect(await value(admin, MetaProcedure.sessionList, [], { filter_authroles: ['user'] })).to.have.members([alice.id, bob.id]);
  });

  it('does not count the router\'s own sessions, even after Router.call', async () => {
    await fixture.join('admin');
    expect((await fixture.router.call(REALM.name, MetaProcedure.sessionCount, [])).args).to.deep.equal([1]);
  });

  it('answers a filter that is not a list of strings with wamp.error.invalid_argument', async () => {
    const admin = await fixture.join('admin');
    expect((await failure(admin, MetaProcedure.sessionCount, ['user'])).error).to.equal(WampErrorUri.invalidArgument);
    expect((await failure(admin, MetaProcedure.sessionList, [[1]])).error).to.equal(WampErrorUri.invalidArgument);
  });

  it('gets the details of a session: session, authid, authrole, authmethod, authprovider, transport', async () => {
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    expect(await value(admin, MetaProcedure.sessionGet, [alice.id])).to.deep.equal({
      session: alice.id, authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static',
      transport: { type: 'local', protocol: null, peer: 'local' },
    });
  });

  it('answers get for an unknown session with wamp.error.no_such_session and a bad id with invalid_argument', async () => {
    const admin = await fixture.join('admin');
    const unknown = await failure(admin, MetaProcedure.sessionGet, [12345]);
    expect(unknown.error).to.equal(WampErrorUri.noSuchSession);
    expect(unknown.args?.[0]).to.equal('no session with ID 12345 exists on this realm');
    expect((await failure(admin, MetaProcedure.sessionGet, ['x'])).error).to.equal(WampErrorUri.invalidArgument);
    expect((await failure(admin, MetaProcedure.sessionGet, [])).error).to.equal(WampErrorUri.invalidArgument);
  });

  it('publishes wamp.session.on_join with the session details when a session joins', async () => {
    const admin = await fixture.join('admin');
    const sub = await admin.subscribe(MetaTopic.sessionOnJoin);
    const alice = await fixture.join('alice');
    const joined = await event(admin, sub);
    expect(joined.args).to.deep.equal([{
      session: alice.id, authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static',
      transport: { type: 'local', protocol: null, peer: 'local' },
    }]);
    expect(joined.details).to.deep.equal({});
  });

  it('publishes wamp.session.on_leave [session, authid, authrole] on GOODBYE and on transport loss', async () => {
    const admin = await fixture.join('admin');
    const sub = await admin.subscribe(MetaTopic.sessionOnLeave);
    const alice = await fixture.join('alice');
    const bob = await fixture.join('bob');
    await goodbye(alice);
    expect((await event(admin, sub)).args).to.deep.equal([alice.id, 'alice', 'user']);
    await bob.close();
    expect((await event(admin, sub)).args).to.deep.equal([bob.id, 'bob', 'user']);
    expect(await value(admin, MetaProcedure.sessionCount)).to.equal(1);
  });

  it('publishes neither on_join nor on_leave for a session that never got WELCOME', async () => {
    const admin = await fixture.join('admin');
    const subs = [await admin.subscribe(MetaTopic.sessionOnJoin), await admin.subscribe(MetaTopic.sessionOnLeave)];
    const half = new LocalTestClient(fixture.router, { auth: AUTH });
    expect((await half.hello(REALM.name, { authmethods: ['ticket'], authid: 'alice' })).type).to.equal(MessageType.CHALLENGE);
    await half.close();
    expect([await eventArgs(admin, subs[0] ?? 0), await eventArgs(admin, subs[1] ?? 0)]).to.deep.equal([[], []]);
  });
});
