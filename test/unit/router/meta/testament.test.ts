import { expect } from 'chai';
import { MAX_TESTAMENTS } from '../../../../router/meta/testament.ts';
import { MetaProcedure } from '../../../../router/meta/uris.ts';
import { WampCallError } from '../../../../router/dealer/wamp-call-error.ts';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { event, eventArgs, failure, goodbye, MetaFixture, REALM, value, type Joined } from './meta-fixture.ts';

const GONE = 'com.example.gone';

describe('Testaments (spec: advanced/pubsub_testament.md)', () => {
  let fixture: MetaFixture;
  let admin: Joined;
  let svc: Joined;
  let sub: number;
  const add = (client: Joined, args: unknown[], kwargs?: Record<string, unknown>) => value(client, MetaProcedure.addTestament, args, kwargs);
  beforeEach(async () => {
    fixture = new MetaFixture();
    admin = await fixture.join('admin');
    svc = await fixture.join('svc');
    sub = await admin.subscribe(GONE);
  });
  afterEach(() => fixture.close());

  it('publishes a testament when its session says GOODBYE, as if that session had published it', async () => {
    expect(await add(svc, [GONE, ['svc'], { why: 'bye' }])).to.equal(undefined);
    await goodbye(svc);
    const testament = await event(admin, sub);
    expect(testament).to.deep.include({ args: ['svc'], kwargs: { why: 'bye' } });
    // the service role's permission discloses its publications: so are its testaments
    expect(testament.details).to.deep.equal({ publisher: svc.id, publisher_authid: 'svc', publisher_authrole: 'service' });
  });

  it('publishes testaments when the transport is lost without GOODBYE, and when the session is killed', async () => {
    await add(svc, [GONE, ['lost'], {}]);
    await svc.close();
    expect((await event(admin, sub)).args).to.deep.equal(['lost']);
    const svc2 = await fixture.join('svc');
    await add(svc2, [GONE, ['killed'], {}]);
    await value(admin, MetaProcedure.sessionKill, [svc2.id]);
    expect((await event(admin, sub)).args).to.deep.equal(['killed']);
  });

  it('publishes detached-scope testaments before destroyed-scope ones, each in the order added', async () => {
    await add(svc, [GONE, ['d1'], {}]);
    await add(svc, [GONE, ['x1'], {}], { scope: 'detached' });
    await add(svc, [GONE, ['d2'], {}], { scope: 'destroyed' });
    await add(svc, [GONE, ['x2'], {}], { scope: 'detatched' }); // Crossbar 20.x's spelling
    await svc.close();
    await event(admin, sub);
    expect(await eventArgs(admin, sub)).to.deep.equal([['x1'], ['x2'], ['d1'], ['d2']]);
  });

  it('publishes nothing of a flushed scope; flush_testaments returns how many it removed', async () => {
    await add(svc, [GONE, ['d1'], {}]);
    await add(svc, [GONE, ['d2'], {}]);
    await add(svc, [GONE, ['x1'], {}], { scope: 'detached' });
    expect(await value(svc, MetaProcedure.flushTestaments)).to.equal(2);
    expect(await value(svc, MetaProcedure.flushTestaments, [], { scope: 'destroyed' })).to.equal(0);
    await goodbye(svc);
    await event(admin, sub);
    expect(await eventArgs(admin, sub)).to.deep.equal([['x1']]);
    const svc2 = await fixture.join('svc');
    await add(svc2, [GONE, ['x2'], {}], { scope: 'detached' });
    expect(await value(svc2, MetaProcedure.flushTestaments, [], { scope: 'detached' })).to.equal(1);
    await goodbye(svc2);
    expect(await eventArgs(admin, sub)).to.deep.equal([['x1']]);
  });

  it('applies the publish_options (eligible, exclude …) but never acknowledge', async () => {
    const root = await fixture.join('root');
    const rootSub = await root.subscribe(GONE);
    await add(svc, [GONE, ['for root'], {}], { publish_options: { eligible_authid: ['root'], acknowledge: true } });
    await svc.close();
    expect((await event(root, rootSub)).args).to.deep.equal(['for root']);
    expect(await eventArgs(admin, sub)).to.deep.equal([]);
  });

  it('authorizes a testament like a PUBLISH when it is added: wamp.error.not_authorized, nothing stored', async () => {
    const mon = await fixture.join('mon'); // may call wamp.*, may not publish anywhere
    const denied = await failure(mon, MetaProcedure.addTestament, [GONE, [], {}]);
    expect(denied.error).to.equal(WampErrorUri.notAuthorized);
    expect(denied.args?.[0]).to.match(/is not authorized to publish to topic "com\.example\.gone"/);
    expect(await value(mon, MetaProcedure.flushTestaments)).to.equal(0);
  });

  it('authorizes through an asynchronous dynamic authorizer', async () => {
    await admin.serve('com.example.authorize', (inv) => {
      const [, uri, action] = inv.args ?? [];
      return (action === 'call' && uri === MetaProcedure.addTestament) || (action === 'publish' && uri === GONE);
    });
    const dan = await fixture.join('dan');
    expect(await add(dan, [GONE, ['dan'], {}])).to.equal(undefined);
    expect((await failure(dan, MetaProcedure.addTestament, ['com.example.elsewhere', [], {}])).error).to.equal(WampErrorUri.notAuthorized);
    await dan.close();
    expect((await event(admin, sub)).args).to.deep.equal(['dan']);
  });

  it('answers malformed arguments with wamp.error.invalid_argument and bad topics with wamp.error.invalid_uri', async () => {
    const cases: [unknown[], Record<string, unknown> | undefined, string][] = [
      [[], undefined, WampErrorUri.invalidArgument],
      [[GONE, 'x', {}], undefined, WampErrorUri.invalidArgument],
      [[GONE, [], []], undefined, WampErrorUri.invalidArgument],
      [[GONE, [], {}], { scope: 'forever' }, WampErrorUri.invalidArgument],
      [[GONE, [], {}], { publish_options: 'x' }, WampErrorUri.invalidArgument],
      [[GONE, [], {}], { publish_options: { eligible: 'x' } }, WampErrorUri.invalidArgument],
      [['com.example bad', [], {}], undefined, WampErrorUri.invalidUri],
      [['wamp.session.on_join', [], {}], undefined, WampErrorUri.invalidUri],
    ];
    for (const [args, kwargs, uri] of cases) expect((await failure(svc, MetaProcedure.addTestament, args, kwargs)).error, JSON.stringify(args)).to.equal(uri);
    expect((await failure(svc, MetaProcedure.flushTestaments, [], { scope: 1 })).error).to.equal(WampErrorUri.invalidArgument);
  });

  it(`keeps at most ${MAX_TESTAMENTS} testaments per session and scope`, async () => {
    for (let i = 0; i < MAX_TESTAMENTS; i++) await add(svc, [GONE, [i], {}]);
    expect((await failure(svc, MetaProcedure.addTestament, [GONE, [], {}])).error).to.equal(WampErrorUri.invalidArgument);
    expect(await add(svc, [GONE, ['x'], {}], { scope: 'detached' })).to.equal(undefined);
    await svc.close();
    await admin.waitFor((m) => m.type === MessageType.EVENT && m.args?.[0] === MAX_TESTAMENTS - 1);
    expect(await eventArgs(admin, sub)).to.have.length(MAX_TESTAMENTS + 1);
  });

  it('refuses testaments for the router\'s own service session (Router.call) with wamp.error.no_such_session', async () => {
    const error = await fixture.router.call(REALM.name, MetaProcedure.addTestament, [GONE, [], {}]).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(WampCallError).and.have.property('error', WampErrorUri.noSuchSession);
  });
});
