import { expect } from 'chai';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import { WampCloseUri, WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { MetaProcedure, MetaTopic } from '../../../../router/meta/uris.ts';
import { event, eventArgs, failure, MetaFixture, value, type Joined } from './meta-fixture.ts';

/** The killed session gets GOODBYE, answers it, and its transport closes. */
async function expectKilled(victim: Joined, reason: string = WampCloseUri.killed, details: object = {}): Promise<void> {
  expect(await victim.expect(MessageType.GOODBYE)).to.deep.equal({ type: MessageType.GOODBYE, details, reason });
  victim.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
  await victim.closed;
}

describe('Session meta API: kill (spec: advanced/meta_api_sessions.md "wamp.session.kill")', () => {
  let fixture: MetaFixture;
  beforeEach(() => { fixture = new MetaFixture(); });
  afterEach(() => fixture.close());

  it('closes a session with GOODBYE wamp.close.killed; it leaves at once (on_leave, no longer counted)', async () => {
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    const sub = await admin.subscribe(MetaTopic.sessionOnLeave);
    expect(await value(admin, MetaProcedure.sessionKill, [alice.id])).to.equal(undefined);
    expect(await value(admin, MetaProcedure.sessionCount)).to.equal(1);
    expect((await event(admin, sub)).args).to.deep.equal([alice.id, 'alice', 'user']);
    await expectKilled(alice);
  });

  it('sends the given reason and message in the GOODBYE', async () => {
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    await value(admin, MetaProcedure.sessionKill, [alice.id], { reason: 'com.example.maintenance', message: 'back soon' });
    await expectKilled(alice, 'com.example.maintenance', { message: 'back soon' });
  });

  it('drops what a killed session sends before it answers the GOODBYE', async () => {
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    await value(admin, MetaProcedure.sessionKill, [alice.id]);
    await alice.expect(MessageType.GOODBYE);
    alice.send({ type: MessageType.CALL, request: 99, options: {}, procedure: MetaProcedure.sessionCount, args: [] });
    expect(await alice.pending()).to.deep.equal([]);
  });

  it('answers kill of the caller itself or of an unknown session with wamp.error.no_such_session', async () => {
    const admin = await fixture.join('admin');
    expect((await failure(admin, MetaProcedure.sessionKill, [admin.id])).error).to.equal(WampErrorUri.noSuchSession);
    expect((await failure(admin, MetaProcedure.sessionKill, [4242])).error).to.equal(WampErrorUri.noSuchSession);
    expect(admin.isClosed).to.equal(false);
  });

  it('answers an invalid reason with wamp.error.invalid_uri and bad arguments with invalid_argument', async () => {
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    expect((await failure(admin, MetaProcedure.sessionKill, [alice.id], { reason: 'not a uri' })).error).to.equal(WampErrorUri.invalidUri);
    expect((await failure(admin, MetaProcedure.sessionKill, [alice.id], { reason: 7 })).error).to.equal(WampErrorUri.invalidUri);
    expect((await failure(admin, MetaProcedure.sessionKill, [alice.id], { message: 7 })).error).to.equal(WampErrorUri.invalidArgument);
    expect((await failure(admin, MetaProcedure.sessionKill, ['alice'])).error).to.equal(WampErrorUri.invalidArgument);
    expect((await failure(admin, MetaProcedure.sessionKillByAuthid, [])).error).to.equal(WampErrorUri.invalidArgument);
    expect((await failure(admin, MetaProcedure.sessionKillByAuthrole, [['user']])).error).to.equal(WampErrorUri.invalidArgument);
    expect((await failure(admin, MetaProcedure.sessionKillAll, [], { reason: '' })).error).to.equal(WampErrorUri.invalidUri);
    expect(await value(admin, MetaProcedure.sessionCount)).to.equal(2);
  });

  it('kill_by_authid kills every session with that authid but the caller, and returns their ids', async () => {
    const bob1 = await fixture.join('bob');
    const bob2 = await fixture.join('bob');
    const bob3 = await fixture.join('bob');
    const alice = await fixture.join('alice');
    // bob (role user) may not call wamp.*: the authorizer applies to meta procedures
    expect((await failure(bob1, MetaProcedure.sessionKillByAuthid, ['bob'])).error).to.equal(WampErrorUri.notAuthorized);
    const admin = await fixture.join('admin');
    expect(await value(admin, MetaProcedure.sessionKillByAuthid, ['bob'], { reason: 'com.example.bye' })).to.have.members([bob1.id, bob2.id, bob3.id]);
    await Promise.all([bob1, bob2, bob3].map((bob) => expectKilled(bob, 'com.example.bye')));
    expect(await value(admin, MetaProcedure.sessionList)).to.have.members([alice.id, admin.id]);
    expect(await value(admin, MetaProcedure.sessionKillByAuthid, ['admin'])).to.deep.equal([]);
  });

  it('kill_by_authrole kills every session with that authrole but the caller, and returns how many', async () => {
    const admin = await fixture.join('admin');
    const root = await fixture.join('root');
    const alice = await fixture.join('alice');
    expect(await value(admin, MetaProcedure.sessionKillByAuthrole, ['admin'])).to.equal(1);
    await expectKilled(root);
    expect(await value(admin, MetaProcedure.sessionKillByAuthrole, ['user'], { message: 'bye' })).to.equal(1);
    await expectKilled(alice, WampCloseUri.killed, { message: 'bye' });
    expect(await value(admin, MetaProcedure.sessionList)).to.deep.equal([admin.id]);
  });

  it('kill_all kills every other session, without on_leave or testament events (spec: "wamp.session.kill_all")', async () => {
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    const root = await fixture.join('root');
    const leaves = await admin.subscribe(MetaTopic.sessionOnLeave);
    const testaments = await admin.subscribe('com.example.gone');
    expect(await value(root, MetaProcedure.addTestament, ['com.example.gone', ['root'], {}])).to.equal(undefined);
    expect(await value(admin, MetaProcedure.sessionKillAll)).to.equal(2);
    await Promise.all([expectKilled(alice), expectKilled(root)]);
    expect(await value(admin, MetaProcedure.sessionList)).to.deep.equal([admin.id]);
    expect([await eventArgs(admin, leaves), await eventArgs(admin, testaments)]).to.deep.equal([[], []]);
  });

  it('closes the transport of a killed session that never answers the GOODBYE after the grace period', async function () {
    this.timeout(5_000);
    const admin = await fixture.join('admin');
    const alice = await fixture.join('alice');
    await value(admin, MetaProcedure.sessionKill, [alice.id]);
    await alice.expect(MessageType.GOODBYE);
    const started = Date.now();
    await alice.closed;
    expect(Date.now() - started).to.be.above(1_500);
  });
});
