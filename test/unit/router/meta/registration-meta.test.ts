import { expect } from 'chai';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import type { Event } from '../../../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { MetaProcedure, MetaTopic } from '../../../../router/meta/uris.ts';
import { failure, goodbye, MetaFixture, value, type Joined } from './meta-fixture.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TOPICS = [MetaTopic.registrationOnCreate, MetaTopic.registrationOnRegister, MetaTopic.registrationOnUnregister, MetaTopic.registrationOnDelete];

/** Subscribe `client` to the four registration meta events; returns a reader of [topic, args] in arrival order. */
async function watch(client: Joined): Promise<() => Promise<[string, unknown[]][]>> {
  const topics = new Map<number, string>();
  for (const topic of TOPICS) topics.set(await client.subscribe(topic), topic);
  return async () => {
    await client.pending();
    return client.received
      .filter((m): m is Event => m.type === MessageType.EVENT && topics.has(m.subscription))
      .map((e) => [topics.get(e.subscription) ?? '', [...(e.args ?? [])]]);
  };
}

describe('Registration meta API (spec: advanced/meta_api_registrations.md)', () => {
  let fixture: MetaFixture;
  let admin: Joined;
  let alice: Joined;
  beforeEach(async () => {
    fixture = new MetaFixture();
    admin = await fixture.join('admin');
    alice = await fixture.join('alice');
  });
  afterEach(() => fixture.close());

  it('publishes on_create then on_register for the first callee, on_unregister then on_delete for the last', async () => {
    const events = await watch(admin);
    const id = await alice.register('com.example.add');
    const { created } = await value(admin, MetaProcedure.registrationGet, [id]) as { created: string };
    expect(created).to.match(ISO);
    alice.send({ type: MessageType.UNREGISTER, request: alice.nextRequestId(), registration: id });
    await alice.expect(MessageType.UNREGISTERED);
    expect(await events()).to.deep.equal([
      [MetaTopic.registrationOnCreate, [alice.id, { id, created, uri: 'com.example.add', match: 'exact', invoke: 'single' }]],
      [MetaTopic.registrationOnRegister, [alice.id, id]],
      [MetaTopic.registrationOnUnregister, [alice.id, id]],
      [MetaTopic.registrationOnDelete, [alice.id, id]],
    ]);
  });

  it('reports callees of a shared registration joining and leaving, on_delete only with the last (GOODBYE, transport loss)', async () => {
    const events = await watch(admin);
    const bob = await fixture.join('bob');
    const id = await alice.register('com.example.rr', { invoke: 'roundrobin', match: 'prefix' });
    expect(await bob.register('com.example.rr', { invoke: 'roundrobin', match: 'prefix' })).to.equal(id);
    await goodbye(alice);
    await bob.close();
    const seen = await events();
    expect(seen.slice(1)).to.deep.equal([
      [MetaTopic.registrationOnRegister, [alice.id, id]],
      [MetaTopic.registrationOnRegister, [bob.id, id]],
      [MetaTopic.registrationOnUnregister, [alice.id, id]],
      [MetaTopic.registrationOnUnregister, [bob.id, id]],
      [MetaTopic.registrationOnDelete, [bob.id, id]],
    ]);
    expect(seen[0]?.[1][1]).to.include({ id, uri: 'com.example.rr', match: 'prefix', invoke: 'roundrobin' });
  });

  it('lists registration ids by match policy, without the router\'s own wamp.* registrations', async () => {
    const exact = await alice.register('com.example.a');
    const prefix = await alice.register('com.example.', { match: 'prefix' });
    const wildcard = await alice.register('com.example..x', { match: 'wildcard' });
    expect(await value(admin, MetaProcedure.registrationList)).to.deep.equal({ exact: [exact], prefix: [prefix], wildcard: [wildcard] });
  });

  it('looks up the registration with exactly this URI and match policy, null if none', async () => {
    const exact = await alice.register('com.example.a');
    const prefix = await alice.register('com.example.a', { match: 'prefix' });
    expect(await value(admin, MetaProcedure.registrationLookup, ['com.example.a'])).to.equal(exact);
    expect(await value(admin, MetaProcedure.registrationLookup, ['com.example.a', { match: 'prefix' }])).to.equal(prefix);
    expect(await value(admin, MetaProcedure.registrationLookup, ['com.example.a', { match: 'wildcard' }])).to.equal(null);
    expect(await value(admin, MetaProcedure.registrationLookup, [MetaProcedure.sessionCount])).to.equal(null);
  });

  it('matches a procedure URI to the registration a CALL would reach, null if none', async () => {
    const prefix = await alice.register('com.example.', { match: 'prefix' });
    const exact = await alice.register('com.example.a.b');
    expect(await value(admin, MetaProcedure.registrationMatch, ['com.example.a.b'])).to.equal(exact);
    expect(await value(admin, MetaProcedure.registrationMatch, ['com.example.a.c'])).to.equal(prefix);
    expect(await value(admin, MetaProcedure.registrationMatch, ['org.other'])).to.equal(null);
    expect(await value(admin, MetaProcedure.registrationMatch, [MetaProcedure.sessionGet])).to.equal(null);
  });

  it('gets a registration\'s details, lists and counts its callees', async () => {
    const bob = await fixture.join('bob');
    const id = await alice.register('com.example.shared', { invoke: 'first' });
    await bob.register('com.example.shared', { invoke: 'first' });
    expect(await value(admin, MetaProcedure.registrationGet, [id])).to.deep.include({ id, uri: 'com.example.shared', match: 'exact', invoke: 'first' });
    expect(await value(admin, MetaProcedure.registrationListCallees, [id])).to.deep.equal([alice.id, bob.id]);
    expect(await value(admin, MetaProcedure.registrationCountCallees, [id])).to.equal(2);
  });

  it('answers unknown or wamp.* registration ids with wamp.error.no_such_registration', async () => {
    // Registration ids are sequential per realm and the meta procedures are registered first: id 1 is one of them.
    for (const procedure of [MetaProcedure.registrationGet, MetaProcedure.registrationListCallees, MetaProcedure.registrationCountCallees]) {
      for (const id of [1, 999_999]) {
        const error = await failure(admin, procedure, [id]);
        expect([error.error, error.args?.[0]]).to.deep.equal([WampErrorUri.noSuchRegistration, `no registration with ID ${id} exists on this realm`]);
      }
    }
  });

  it('answers malformed arguments with wamp.error.invalid_argument', async () => {
    const calls: [string, unknown[]][] = [
      [MetaProcedure.registrationLookup, []], [MetaProcedure.registrationLookup, ['com.example.a', { match: 'regex' }]],
      [MetaProcedure.registrationLookup, ['com.example.a', 'prefix']], [MetaProcedure.registrationMatch, [42]],
      [MetaProcedure.registrationGet, ['1']], [MetaProcedure.registrationListCallees, [0]], [MetaProcedure.registrationCountCallees, [1.5]],
    ];
    for (const [procedure, args] of calls) expect((await failure(admin, procedure, args)).error, procedure).to.equal(WampErrorUri.invalidArgument);
  });
});
