/**
 * Publish & subscribe for one realm (spec: basic/pubsub.md and the advanced pubsub features
 * announced in shared/wamp/features.ts). The realm has already validated URIs and authorized the
 * request; these methods are synchronous and answer through `session.send`.
 */
import { MessageType } from '../shared/wamp/message-type.ts';
import type { Dict, Publish, Subscribe, Unsubscribe, WampMessage } from '../shared/wamp/messages.ts';
import { WampErrorUri } from '../shared/wamp/uris.ts';
import { randomId, type RouterScopeIds } from '../shared/wamp/ids.ts';
import type { Logger } from '../shared/logger.ts';
import type { Authorization } from './authorizer.ts';
import { UriIndex, type MatchPolicy } from './matching.ts';
import { parseRecipientFilter, type RecipientFilter } from './recipient-filter.ts';
import type { SessionHandle } from './types.ts';

/** One subscription per (topic, match): shared by all its subscribers (spec: basic/pubsub.md). */
interface Subscription {
  readonly id: number;
  readonly topic: string;
  readonly match: MatchPolicy;
  readonly subscribers: Map<number, SessionHandle>;
}

export interface BrokerOptions {
  readonly realm: string;
  readonly logger: Logger;
  readonly ids: RouterScopeIds;
}

function payloadOf(msg: Publish): { args?: readonly unknown[]; kwargs?: Dict } {
  // spec: basic/messages.md "Empty Arguments and Keyword Arguments": kwargs implies args
  if (msg.kwargs !== undefined) return { args: msg.args ?? [], kwargs: msg.kwargs };
  return msg.args !== undefined ? { args: msg.args } : {};
}

export class Broker {
  readonly #log: Logger;
  readonly #index = new UriIndex<Subscription>();
  readonly #byId = new Map<number, Subscription>();
  readonly #bySession = new Map<number, Set<Subscription>>();
  readonly #ids: RouterScopeIds;

  constructor(options: BrokerOptions) {
    this.#log = options.logger.child({ component: 'broker', realm: options.realm });
    this.#ids = options.ids;
  }

  /** Number of live subscriptions (not subscribers). */
  get size(): number {
    return this.#byId.size;
  }

  subscribe(session: SessionHandle, msg: Subscribe): void {
    const match = (msg.options['match'] ?? 'exact') as MatchPolicy; // validated by the realm
    let subscription = this.#index.get(msg.topic, match);
    if (!subscription) {
      subscription = { id: this.#ids.next(), topic: msg.topic, match, subscribers: new Map() };
      this.#index.set(msg.topic, match, subscription);
      this.#byId.set(subscription.id, subscription);
    }
    subscription.subscribers.set(session.id, session);
    let mine = this.#bySession.get(session.id);
    if (!mine) this.#bySession.set(session.id, (mine = new Set()));
    mine.add(subscription);
    // A repeated SUBSCRIBE gets the same subscription id (spec: basic/pubsub.md "SUBSCRIBED").
    session.send({ type: MessageType.SUBSCRIBED, request: msg.request, subscription: subscription.id });
  }

  unsubscribe(session: SessionHandle, msg: Unsubscribe): void {
    const subscription = this.#byId.get(msg.subscription);
    if (!subscription?.subscribers.has(session.id)) {
      session.send({
        type: MessageType.ERROR, requestType: MessageType.UNSUBSCRIBE, request: msg.request, details: {},
        error: WampErrorUri.noSuchSubscription, args: [`no subscription ${msg.subscription} for this session`],
      });
      return;
    }
    this.#drop(session.id, subscription);
    session.send({ type: MessageType.UNSUBSCRIBED, request: msg.request });
  }

  publish(session: SessionHandle, msg: Publish, authorization: Authorization): void {
    const acknowledge = msg.options['acknowledge'] === true;
    let filter: RecipientFilter;
    try {
      filter = parseRecipientFilter(msg.options);
    } catch (error) {
      // spec: basic/pubsub.md: errors are only sent back when acknowledge is set
      if (acknowledge) {
        session.send({
          type: MessageType.ERROR, requestType: MessageType.PUBLISH, request: msg.request, details: {},
          error: WampErrorUri.invalidArgument, args: [(error as Error).message],
        });
      }
      return;
    }
    const publication = randomId(); // global scope (spec: basic/building_blocks.md "IDs")
    // spec: advanced/pubsub_publisher_exclusion.md: exclude_me defaults to true
    const excludeMe = msg.options['exclude_me'] !== false;
    // spec: advanced/pubsub_publisher_identification.md
    const disclose = msg.options['disclose_me'] === true || authorization.disclose;
    const base: Dict = disclose
      ? { publisher: session.id, publisher_authid: session.authid, publisher_authrole: session.authrole }
      : {};
    const payload = payloadOf(msg);
    let sent = 0;
    // One EVENT per matching subscription (spec: advanced/pubsub_pattern_based_subscription.md).
    for (const subscription of this.#index.matchAll(msg.topic)) {
      const details = subscription.match === 'exact' ? base : { ...base, topic: msg.topic };
      const event: WampMessage = { type: MessageType.EVENT, subscription: subscription.id, publication, details, ...payload };
      for (const subscriber of subscription.subscribers.values()) {
        if (excludeMe && subscriber.id === session.id) continue;
        if (!filter(subscriber)) continue;
        subscriber.send(event);
        sent += 1;
      }
    }
    this.#log.trace({ session: session.id, topic: msg.topic, publication, sent }, 'published');
    if (acknowledge) session.send({ type: MessageType.PUBLISHED, request: msg.request, publication });
  }

  /** The session left: drop it from every subscription it had. */
  leave(session: SessionHandle): void {
    const mine = this.#bySession.get(session.id);
    if (!mine) return;
    for (const subscription of [...mine]) this.#drop(session.id, subscription);
  }

  #drop(sessionId: number, subscription: Subscription): void {
    subscription.subscribers.delete(sessionId);
    const mine = this.#bySession.get(sessionId);
    mine?.delete(subscription);
    if (mine?.size === 0) this.#bySession.delete(sessionId);
    if (subscription.subscribers.size === 0) {
      this.#index.delete(subscription.topic, subscription.match);
      this.#byId.delete(subscription.id);
    }
  }
}
