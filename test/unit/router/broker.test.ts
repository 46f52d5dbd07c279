import { expect } from 'chai';
import { Broker } from '../../../router/broker/broker.ts';
import { SequentialIds, isWampId } from '../../../shared/wamp/ids.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import type { Dict, Event, WampMessage } from '../../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { RecordingSession } from '../../helpers/recording-session.ts';

let request = 0;

function subscribe(broker: Broker, session: RecordingSession, topic: string, options: Dict = {}): number {
  broker.subscribe(session, { type: MessageType.SUBSCRIBE, request: (request += 1), options, topic });
  const reply = session.take().at(-1);
  if (reply?.type !== MessageType.SUBSCRIBED) throw new Error(`expected SUBSCRIBED, got ${JSON.stringify(reply)}`);
  return reply.subscription;
}

function publish(broker: Broker, session: RecordingSession, topic: string, options: Dict = {}, extra: Partial<{ args: unknown[]; kwargs: Dict; disclose: boolean }> = {}): void {
  const payload = { ...(extra.args ? { args: extra.args } : {}), ...(extra.kwargs ? { kwargs: extra.kwargs } : {}) };
  broker.publish(session, { type: MessageType.PUBLISH, request: (request += 1), options, topic, ...payload }, { allow: true, disclose: extra.disclose ?? false });
}

function events(session: RecordingSession): Event[] {
  return session.take().filter((m: WampMessage): m is Event => m.type === MessageType.EVENT);
}

describe('Broker', () => {
  let broker: Broker;
  let alice: RecordingSession;
  let bob: RecordingSession;
  let carol: RecordingSession;
  beforeEach(() => {
    broker = new Broker({ realm: 'realm1', logger: silentLogger(), ids: new SequentialIds() });
    alice = new RecordingSession({ id: 1, authid: 'alice', authrole: 'user' });
    bob = new RecordingSession({ id: 2, authid: 'bob', authrole: 'user' });
    carol = new RecordingSession({ id: 3, authid: 'carol', authrole: 'admin' });
  });

  it('gives every subscriber of the same topic and match the same subscription id (spec: basic/publish_subscribe.md)', () => {
    const a = subscribe(broker, alice, 'com.example.t');
    const b = subscribe(broker, bob, 'com.example.t');
    const prefix = subscribe(broker, carol, 'com.example.t', { match: 'prefix' });
    expect(a).to.equal(b);
    expect(prefix).to.not.equal(a);
    expect(subscribe(broker, alice, 'com.example.t')).to.equal(a);
    expect(broker.size).to.equal(2);
  });

  it('delivers EVENT with the payload to every subscriber but the publisher (spec: advanced/pubsub_publisher_exclusion.md)', () => {
    const sub = subscribe(broker, alice, 'com.example.t');
    subscribe(broker, bob, 'com.example.t');
    publish(broker, bob, 'com.example.t', {}, { args: [1], kwargs: { k: 'v' } });
    const [event] = events(alice);
    expect(event).to.deep.include({ subscription: sub, details: {}, args: [1], kwargs: { k: 'v' } });
    expect(isWampId(event?.publication)).to.equal(true);
    expect(events(bob)).to.deep.equal([]);
  });

  it('delivers to the publisher too when exclude_me is false', () => {
    subscribe(broker, alice, 'com.example.t');
    publish(broker, alice, 'com.example.t', { exclude_me: false });
    expect(events(alice)).to.have.length(1);
  });

  it('sends one EVENT per matching subscription, with Details.topic for pattern subscriptions (spec: advanced/pubsub_pattern_based_subscription.md)', () => {
    const exact = subscribe(broker, alice, 'com.example.t.x');
    const prefix = subscribe(broker, alice, 'com.example', { match: 'prefix' });
    const wildcard = subscribe(broker, alice, 'com..t.', { match: 'wildcard' });
    subscribe(broker, alice, 'com.other', { match: 'prefix' });
    publish(broker, bob, 'com.example.t.x');
    const got = events(alice);
    expect(got.map((e) => e.subscription)).to.have.members([exact, prefix, wildcard]);
    expect(got.find((e) => e.subscription === exact)?.details).to.deep.equal({});
    expect(got.find((e) => e.subscription === prefix)?.details).to.deep.equal({ topic: 'com.example.t.x' });
    expect(got.find((e) => e.subscription === wildcard)?.details).to.deep.equal({ topic: 'com.example.t.x' });
    expect(new Set(got.map((e) => e.publication)).size).to.equal(1);
  });

  it('acknowledges with PUBLISHED carrying the publication id of the events, and is silent otherwise', () => {
    subscribe(broker, alice, 'com.example.t');
    publish(broker, bob, 'com.example.t');
    expect(bob.take()).to.deep.equal([]);
    alice.take();
    publish(broker, bob, 'com.example.t', { acknowledge: true });
    const [event] = events(alice);
    expect(bob.take()).to.deep.equal([{ type: MessageType.PUBLISHED, request, publication: event?.publication }]);
  });

  it('discloses the publisher on disclose_me or when the authorization says so (spec: advanced/pubsub_publisher_identification.md)', () => {
    subscribe(broker, alice, 'com.example.t');
    const disclosed = { publisher: 2, publisher_authid: 'bob', publisher_authrole: 'user' };
    publish(broker, bob, 'com.example.t', { disclose_me: true });
    publish(broker, bob, 'com.example.t', {}, { disclose: true });
    publish(broker, bob, 'com.example.t');
    expect(events(alice).map((e) => e.details)).to.deep.equal([disclosed, disclosed, {}]);
  });

  describe('subscriber black- and whitelisting (spec: advanced/pubsub_subscriber_blackwhite_listing.md)', () => {
    let dave: RecordingSession;
    beforeEach(() => {
      dave = new RecordingSession({ id: 4, authid: 'dave', authrole: 'admin' });
      for (const s of [alice, bob, carol]) subscribe(broker, s, 'com.example.t');
    });
    const receivers = (): string[] => [alice, bob, carol].filter((s) => events(s).length > 0).map((s) => s.authid);

    it('eligible and exclude filter by session id', () => {
      publish(broker, dave, 'com.example.t', { eligible: [1, 2] });
      expect(receivers()).to.deep.equal(['alice', 'bob']);
      publish(broker, dave, 'com.example.t', { exclude: [1] });
      expect(receivers()).to.deep.equal(['bob', 'carol']);
    });

    it('eligible_authid and exclude_authrole filter by authid and authrole', () => {
      publish(broker, dave, 'com.example.t', { eligible_authid: ['carol'] });
      expect(receivers()).to.deep.equal(['carol']);
      publish(broker, dave, 'com.example.t', { exclude_authrole: ['user'] });
      expect(receivers()).to.deep.equal(['carol']);
      publish(broker, dave, 'com.example.t', { exclude_authid: ['alice'], eligible_authrole: ['user'] });
      expect(receivers()).to.deep.equal(['bob']);
    });

    it('requires a subscriber to pass every present filter', () => {
      publish(broker, dave, 'com.example.t', { eligible: [1, 2, 3], eligible_authrole: ['user'], exclude: [2] });
      expect(receivers()).to.deep.equal(['alice']);
    });

    it('answers a malformed list with ERROR wamp.error.invalid_argument when acknowledged, and delivers nothing', () => {
      publish(broker, dave, 'com.example.t', { eligible: ['alice'], acknowledge: true });
      expect(receivers()).to.deep.equal([]);
      expect(dave.take()).to.deep.equal([{
        type: MessageType.ERROR, requestType: MessageType.PUBLISH, request, details: {},
        error: WampErrorUri.invalidArgument, args: ['PUBLISH.Options.eligible must be a list of session ids'],
      }]);
      publish(broker, dave, 'com.example.t', { exclude_authid: 'bob' });
      expect(receivers()).to.deep.equal([]);
      expect(dave.take()).to.deep.equal([]);
    });
  });

  it('answers UNSUBSCRIBE of an unknown or foreign subscription with ERROR wamp.error.no_such_subscription', () => {
    const sub = subscribe(broker, alice, 'com.example.t');
    for (const id of [sub, 999]) {
      broker.unsubscribe(bob, { type: MessageType.UNSUBSCRIBE, request: 7, subscription: id });
      expect(bob.take()).to.deep.equal([{
        type: MessageType.ERROR, requestType: MessageType.UNSUBSCRIBE, request: 7, details: {},
        error: WampErrorUri.noSuchSubscription, args: [`no subscription ${id} for this session`],
      }]);
    }
  });

  it('stops delivering after UNSUBSCRIBE and drops the subscription with its last subscriber', () => {
    const sub = subscribe(broker, alice, 'com.example.t');
    broker.unsubscribe(alice, { type: MessageType.UNSUBSCRIBE, request: 8, subscription: sub });
    expect(alice.take()).to.deep.equal([{ type: MessageType.UNSUBSCRIBED, request: 8 }]);
    publish(broker, bob, 'com.example.t');
    expect(events(alice)).to.deep.equal([]);
    expect(broker.size).to.equal(0);
  });

  it('forgets every subscription of a session that leaves', () => {
    subscribe(broker, alice, 'com.example.a');
    subscribe(broker, alice, 'com.example', { match: 'prefix' });
    const shared = subscribe(broker, bob, 'com.example.a');
    broker.leave(alice);
    expect(broker.size).to.equal(1);
    publish(broker, carol, 'com.example.a');
    expect(events(alice)).to.deep.equal([]);
    expect(events(bob).map((e) => e.subscription)).to.deep.equal([shared]);
    expect(() => { broker.leave(alice); }).to.not.throw();
  });

  it('draws publication ids at random (global scope, spec: basic/building_blocks.md "IDs")', () => {
    subscribe(broker, alice, 'com.example.t');
    for (let i = 0; i < 3; i += 1) publish(broker, bob, 'com.example.t', {}, {});
    const ids = events(alice).map((e) => e.publication);
    expect(new Set(ids).size).to.equal(3);
    expect(ids.every(isWampId)).to.equal(true);
  });
});
