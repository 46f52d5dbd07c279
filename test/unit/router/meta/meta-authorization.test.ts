import { expect } from 'chai';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { MetaProcedure, MetaTopic } from '../../../../router/meta/uris.ts';
import { event, failure, MetaFixture, value } from './meta-fixture.ts';

describe('Meta API authorization (docs/crossbar-compat.md: subject to the authorizer like any URI)', () => {
  let fixture: MetaFixture;
  beforeEach(() => { fixture = new MetaFixture(); });
  afterEach(() => fixture.close());

  it('denies a meta procedure to a role without permission with wamp.error.not_authorized (Crossbar wording)', async () => {
    const alice = await fixture.join('alice');
    const denied = await failure(alice, MetaProcedure.sessionCount);
    expect(denied.error).to.equal(WampErrorUri.notAuthorized);
    expect(denied.args).to.deep.equal([
      `session (session_id=${alice.id}, authid="alice", authrole="user") is not authorized to call procedure "wamp.session.count" on realm "realm1"`,
    ]);
    for (const procedure of [MetaProcedure.registrationList, MetaProcedure.subscriptionList, MetaProcedure.addTestament]) {
      expect((await failure(alice, procedure)).error, procedure).to.equal(WampErrorUri.notAuthorized);
    }
  });

  it('denies subscribing to a meta event to a role without permission', async () => {
    const alice = await fixture.join('alice');
    const reply = await alice.request({ type: MessageType.SUBSCRIBE, request: alice.nextRequestId(), options: {}, topic: MetaTopic.sessionOnJoin });
    expect(reply).to.deep.include({ type: MessageType.ERROR, error: WampErrorUri.notAuthorized });
  });

  it('allows meta procedures and events to a role with a `wamp.` prefix permission', async () => {
    const mon = await fixture.join('mon');
    const sub = await mon.subscribe(MetaTopic.sessionOnJoin);
    const alice = await fixture.join('alice');
    expect((await event(mon, sub)).args?.[0]).to.include({ session: alice.id, authid: 'alice' });
    expect(await value(mon, MetaProcedure.sessionCount)).to.equal(2);
    expect(await value(mon, MetaProcedure.sessionGet, [alice.id])).to.include({ authrole: 'user' });
  });

  it('never lets a client publish a meta event or register a meta procedure (the wamp. prefix is reserved)', async () => {
    const admin = await fixture.join('admin');
    const published = await admin.request({ type: MessageType.PUBLISH, request: admin.nextRequestId(), options: { acknowledge: true }, topic: MetaTopic.sessionOnLeave, args: [1] });
    const registered = await admin.request({ type: MessageType.REGISTER, request: admin.nextRequestId(), options: {}, procedure: MetaProcedure.sessionKill });
    expect([published, registered].map((m) => m.type === MessageType.ERROR && m.error)).to.deep.equal([WampErrorUri.invalidUri, WampErrorUri.invalidUri]);
  });
});
