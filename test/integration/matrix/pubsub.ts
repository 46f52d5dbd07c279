/**
 * Pub/sub scenarios for the transport matrix: the publisher joins on the first transport, the
 * subscribers on the second. "Not delivered" is checked without sleeping: after the events under
 * test the publisher sends a marker event every subscriber gets, and EVENTs to one session arrive
 * in publication order, so whatever came before the marker is all that was delivered.
 */
import { expect } from 'chai';
import { eventsUntil, type Scenario } from './parties.ts';

export const PUBSUB_SCENARIOS: readonly Scenario[] = [
  {
    title: 'delivers EVENT to every subscriber and PUBLISHED with the same publication id to an acknowledging publisher (spec: basic/publish_subscribe.md)',
    async run(p) {
      const topic = p.uri('news');
      const subscribers = [await p.second('bob'), await p.second('carol')];
      const subscriptions = await Promise.all(subscribers.map((s) => s.subscribe(topic)));
      const alice = await p.first('alice');
      const published = await alice.publish(topic, { args: ['hello'], kwargs: { n: 1 } }, { acknowledge: true });
      for (const subscription of subscriptions) {
        const event = await subscription.events.next();
        expect(event.subscription).to.equal(subscription.id);
        expect(event.publication).to.equal(published?.publication);
        expect(event.args).to.deep.equal(['hello']);
        expect(event.kwargs).to.deep.equal({ n: 1 });
      }
    },
  },
  {
    title: 'delivers only to sessions listed in eligible (session ids) and eligible_authid (spec: advanced/pubsub_subscriber_blackwhite_listing.md)',
    async run(p) {
      const topic = p.uri('eligible');
      const [bob1, bob2, carol] = [await p.second('bob'), await p.second('bob'), await p.second('carol')];
      const subs = await Promise.all([bob1, bob2, carol].map((s) => s.subscribe(topic)));
      const alice = await p.first('alice');
      await alice.publish(topic, { args: ['to-bob2'] }, { eligible: [bob2.session] });
      await alice.publish(topic, { args: ['to-carol'] }, { eligible_authid: ['carol'] });
      await alice.publish(topic, { args: ['to-bob1-only'] }, { eligible: [bob1.session, carol.session], eligible_authid: ['bob'] });
      await alice.publish(topic, { args: ['end'] }, { acknowledge: true });
      expect(await Promise.all(subs.map((s) => eventsUntil(s)))).to.deep.equal([['to-bob1-only'], ['to-bob2'], ['to-carol']]);
    },
  },
  {
    title: 'skips sessions listed in exclude (session ids) and exclude_authid (spec: advanced/pubsub_subscriber_blackwhite_listing.md)',
    async run(p) {
      const topic = p.uri('exclude');
      const [bob1, bob2, carol] = [await p.second('bob'), await p.second('bob'), await p.second('carol')];
      const subs = await Promise.all([bob1, bob2, carol].map((s) => s.subscribe(topic)));
      const alice = await p.first('alice');
      await alice.publish(topic, { args: ['not-bob1'] }, { exclude: [bob1.session] });
      await alice.publish(topic, { args: ['not-bobs'] }, { exclude_authid: ['bob'] });
      await alice.publish(topic, { args: ['not-carol'] }, { exclude: [carol.session], exclude_authid: [] });
      await alice.publish(topic, { args: ['end'] }, { acknowledge: true });
      expect(await Promise.all(subs.map((s) => eventsUntil(s)))).to.deep.equal([
        ['not-carol'], ['not-bob1', 'not-carol'], ['not-bob1', 'not-bobs'],
      ]);
    },
  },
  {
    title: 'excludes the publisher from its own event unless exclude_me is false (spec: advanced/pubsub_publisher_exclusion.md)',
    async run(p) {
      const topic = p.uri('self');
      const bob = await p.second('bob');
      const other = await bob.subscribe(topic);
      const alice = await p.first('alice');
      const own = await alice.subscribe(topic);
      await alice.publish(topic, { args: ['default'] });
      await alice.publish(topic, { args: ['included'] }, { exclude_me: false });
      await alice.publish(topic, { args: ['end'] }, { exclude_me: false, acknowledge: true });
      expect(await eventsUntil(own)).to.deep.equal(['included']);
      expect(await eventsUntil(other)).to.deep.equal(['default', 'included']);
    },
  },
  {
    title: 'delivers to prefix and wildcard subscriptions with the concrete topic in EVENT.Details.topic (spec: advanced/pubsub_pattern_based_subscription.md)',
    async run(p) {
      const base = p.uri('jobs');
      const bob = await p.second('bob');
      const prefix = await bob.subscribe(base, { match: 'prefix' });
      const wildcard = await bob.subscribe(`${base}..status`, { match: 'wildcard' });
      const alice = await p.first('alice');
      await alice.publish(`${base}.j1.status`, { args: ['s1'] });
      await alice.publish(`${base}.j1.log`, { args: ['l1'] });
      await alice.publish(`${base}.end.status`, { args: ['end'] }, { acknowledge: true });
      const first = await prefix.events.next();
      expect(first.details['topic']).to.equal(`${base}.j1.status`);
      expect(await eventsUntil(prefix)).to.deep.equal(['l1']);
      const matched = await wildcard.events.next();
      expect(matched.details['topic']).to.equal(`${base}.j1.status`);
      expect(matched.args).to.deep.equal(['s1']);
      expect(await eventsUntil(wildcard)).to.deep.equal([]);
    },
  },
];
