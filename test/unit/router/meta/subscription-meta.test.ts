import { expect } from 'chai';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import type { Event } from '../../../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { MetaProcedure, MetaTopic } from '../../../../router/meta/uris.ts';
import { failure, goodbye, MetaFixture, value, type Joined } from './meta-fixture.ts';

const TOPICS = [MetaTopic.subscriptionOnCreate, MetaTopic.subscriptionOnSubscribe, MetaTopic.subscriptionOnUnsubscribe, MetaTopic.subscriptionOnDelete];

/** Subscribe `client` to the four subscription meta events; returns a reader of [topic, args] in arrival order. */
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

describe('Subscription meta API (spec: advanced/meta_api_subscriptions.md)', () => {
  let fixture: MetaFixture;
  let admin: Joined;
  let alice: Joined;
  beforeEach(async () => {
    fixture = new MetaFixture();
    admin = await fixture.join('admin');
    alice = await fixture.join('alice');
  });
  afterEach(() => fixture.close());

  it('publishes on_create then on_subscribe for the first subscriber, on_unsubscribe then on_delete for the last', async () => {
    const events = await watch(admin);
    const id = await alice.subscribe('com.example.news');
    expect(await alice.subscribe('com.example.news')).to.equal(id); // a repeated SUBSCRIBE adds nobody
    const { created } = await value(admin, MetaProcedure.subscriptionGet, [id]) as { created: string };
    alice.send({ type: MessageType.UNSUBSCRIBE, request: alice.nextRequestId(), subscription: id });
    await alice.expect(MessageType.UNSUBSCRIBED);
    expect(await events()).to.deep.equal([
      [MetaTopic.subscriptionOnCreate, [alice.id, { id, created, uri: 'com.example.news', match: 'exact' }]],
      [MetaTopic.subscriptionOnSubscribe, [alice.id, id]],
      [MetaTopic.subscriptionOnUnsubscribe, [alice.id, id]],
      [MetaTopic.subscriptionOnDelete, [alice.id, id]],
    ]);
  });

  it('reports subscribers leaving (GOODBYE, transport loss), on_delete only with the last', async () => {
    const events = await watch(admin);
    const bob = await fixture.join('bob');
    const id = await alice.subscribe('com.example.', { match: 'prefix' });
    await bob.subscribe('com.example.', { match: 'prefix' });
    await goodbye(alice);
    await bob.close();
    expect((await events()).slice(1)).to.deep.equal([
      [MetaTopic.subscriptionOnSubscribe, [alice.id, id]],
      [MetaTopic.subscriptionOnSubscribe, [bob.id, id]],
      [MetaTopic.subscriptionOnUnsubscribe, [alice.id, id]],
      [MetaTopic.subscriptionOnUnsubscribe, [bob.id, id]],
      [MetaTopic.subscriptionOnDelete, [bob.id, id]],
    ]);
  });

  it('reports nothing about subscriptions to wamp.* topics (the meta events themselves)', async () => {
    const events = await watch(admin);
    const mon = await fixture.join('mon');
    const onJoin = await mon.subscribe(MetaTopic.sessionOnJoin);
    expect(await events()).to.deep.equal([]);
    expect(await value(admin, MetaProcedure.subscriptionList)).to.deep.equal({ exact: [], prefix: [], wildcard: [] });
    expect(await value(admin, MetaProcedure.subscriptionLookup, [MetaTopic.sessionOnJoin])).to.equal(null);
    expect(await value(admin, MetaProcedure.subscriptionMatch, [MetaTopic.sessionOnJoin])).to.equal(null);
    expect((await failure(admin, MetaProcedure.subscriptionGet, [onJoin])).error).to.equal(WampErrorUri.noSuchSubscription);
  });

  it('lists subscription ids by match policy', async () => {
    const exact = await alice.subscribe('com.example.a');
    const prefix = await alice.subscribe('com.example.', { match: 'prefix' });
    const wildcard = await alice.subscribe('com.example..x', { match: 'wildcard' });
    expect(await value(admin, MetaProcedure.subscriptionList)).to.deep.equal({ exact: [exact], prefix: [prefix], wildcard: [wildcard] });
  });

  it('looks up the subscription with exactly this topic and match policy, null if none', async () => {
    const exact = await alice.subscribe('com.example.a');
    const wildcard = await alice.subscribe('com.example..a', { match: 'wildcard' });
    expect(await value(admin, MetaProcedure.subscriptionLookup, ['com.example.a'])).to.equal(exact);
    expect(await value(admin, MetaProcedure.subscriptionLookup, ['com.example..a', { match: 'wildcard' }])).to.equal(wildcard);
    expect(await value(admin, MetaProcedure.subscriptionLookup, ['com.example.a', { match: 'prefix' }])).to.equal(null);
  });

  it('matches a topic to every subscription an event would reach, null if none', async () => {
    const exact = await alice.subscribe('com.example.a');
    const prefix = await alice.subscribe('com.example.', { match: 'prefix' });
    const wildcard = await alice.subscribe('com.example..a', { match: 'wildcard' });
    expect(await value(admin, MetaProcedure.subscriptionMatch, ['com.example.a'])).to.deep.equal([exact, prefix]);
    expect(await value(admin, MetaProcedure.subscriptionMatch, ['com.example.x.a'])).to.deep.equal([prefix, wildcard]);
    expect(await value(admin, MetaProcedure.subscriptionMatch, ['org.example.b'])).to.equal(null);
  });

  it('gets a subscription\'s details, lists and counts its subscribers', async () => {
    const bob = await fixture.join('bob');
    const id = await alice.subscribe('com.example.t');
    await bob.subscribe('com.example.t');
    const details = await value(admin, MetaProcedure.subscriptionGet, [id]);
    expect(details).to.have.keys('id', 'created', 'uri', 'match').and.deep.include({ id, uri: 'com.example.t', match: 'exact' });
    expect(await value(admin, MetaProcedure.subscriptionListSubscribers, [id])).to.deep.equal([alice.id, bob.id]);
    expect(await value(admin, MetaProcedure.subscriptionCountSubscribers, [id])).to.equal(2);
  });

  it('answers unknown subscription ids with wamp.error.no_such_subscription and bad arguments with invalid_argument', async () => {
    for (const procedure of [MetaProcedure.subscriptionGet, MetaProcedure.subscriptionListSubscribers, MetaProcedure.subscriptionCountSubscribers]) {
      const error = await failure(admin, procedure, [777]);
      expect([error.error, error.args?.[0]]).to.deep.equal([WampErrorUri.noSuchSubscription, 'no subscription with ID 777 exists on this realm']);
      expect((await failure(admin, procedure, [null])).error).to.equal(WampErrorUri.invalidArgument);
    }
    expect((await failure(admin, MetaProcedure.subscriptionLookup, ['com.x', { match: 1 }])).error).to.equal(WampErrorUri.invalidArgument);
    expect((await failure(admin, MetaProcedure.subscriptionMatch, [])).error).to.equal(WampErrorUri.invalidArgument);
  });
});
