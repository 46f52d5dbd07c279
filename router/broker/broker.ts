/**
 * Publish & subscribe for one realm (spec: basic/publish_subscribe.md and the advanced pubsub features
 * announced in shared/wamp/features.ts). The realm has already validated URIs and authorized the
 * request; these methods are synchronous and answer through `session.send`.
 */
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Dict, Publish, Subscribe, Unsubscribe, WampMessage } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { randomId, type RouterScopeIds } from '../../shared/wamp/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Authorization } from '../authz/authorizer.ts';
import { UriIndex, type MatchPolicy } from '../matching.ts';
import type { ObservationHooks, SubscriptionDetails } from '../meta/hooks.ts';
import { parseRecipientFilter, type RecipientFilter } from './recipient-filter.ts';
import type { SessionHandle } from '../types.ts';

/** One subscription per (topic, match): shared by all its subscribers (spec: basic/publish_subscribe.md). */
interface Subscription {
  readonly details: SubscriptionDetails;
  readonly subscribers: Map<number, SessionHandle>;
}

/** Read-only view for tests and the subscription meta API (spec: advanced/meta_api_subscriptions.md). */
export interface SubscriptionInfo extends SubscriptionDetails {
  /** Session ids of the subscribers, in subscription order. */
  readonly subscribers: readonly number[];
}

export interface BrokerOptions {
  readonly realm: string;
  readonly logger: Logger;
  readonly ids: RouterScopeIds;
  /** Told about every subscriber added to or removed from a subscription (the subscription meta API). */
  readonly hooks?: ObservationHooks<SubscriptionDetails>;
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
  readonly #hooks: ObservationHooks<SubscriptionDetails> | undefined;

  constructor(options: BrokerOptions) {
    this.#log = options.logger.child({ component: 'broker', realm: options.realm });
    this.#ids = options.ids;
    this.#hooks = options.hooks;
  }

  /** Number of live subscriptions (not subscribers). */
  get size(): number {
    return this.#byId.size;
  }

  subscribe(session: SessionHandle, msg: Subscribe): void {
    const match = (msg.options['match'] ?? 'exact') as MatchPolicy; // validated by the realm
    let subscription = this.#index.get(msg.topic, match);
    const created = !subscription;
    if (!subscription) {
      const details = { id: this.#ids.next(), created: new Date().toISOString(), uri: msg.topic, match };
      subscription = { details, subscribers: new Map() };
      this.#index.set(msg.topic, match, subscription);
      this.#byId.set(details.id, subscription);
    }
    const added = !subscription.subscribers.has(session.id);
    subscription.subscribers.set(session.id, session);
    let mine = this.#bySession.get(session.id);
    if (!mine) this.#bySession.set(session.id, (mine = new Set()));
    mine.add(subscription);
    // A repeated SUBSCRIBE gets the same subscription id (spec: basic/publish_subscribe.md "SUBSCRIBED").
    session.send({ type: MessageType.SUBSCRIBED, request: msg.request, subscription: subscription.details.id });
    if (added) this.#hooks?.added(session, subscription.details, created);
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
    session.send({ type: MessageType.UNSUBSCRIBED, request: msg.request });
    this.#drop(session, subscription);
  }

  publish(session: SessionHandle, msg: Publish, authorization: Authorization): void {
    const acknowledge = msg.options['acknowledge'] === true;
    let filter: RecipientFilter;
    try {
      filter = parseRecipientFilter(msg.options);
    } catch (error) {
      // spec: basic/publish_subscribe.md: errors are only sent back when acknowledge is set
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
      const details = subscription.details.match === 'exact' ? base : { ...base, topic: msg.topic };
      const event: WampMessage = { type: MessageType.EVENT, subscription: subscription.details.id, publication, details, ...payload };
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
    for (const subscription of [...mine]) this.#drop(session, subscription);
  }

  /** Every live subscription (meta API wamp.subscription.list). */
  subscriptions(): SubscriptionDetails[] {
    return [...this.#byId.values()].map((subscription) => subscription.details);
  }

  /** A subscription and its subscribers (meta API wamp.subscription.get / list_subscribers). */
  subscription(id: number): SubscriptionInfo | undefined {
    const subscription = this.#byId.get(id);
    return subscription && { ...subscription.details, subscribers: [...subscription.subscribers.keys()] };
  }

  /** The subscription with exactly this topic pattern and policy (meta API wamp.subscription.lookup). */
  lookup(topic: string, match: MatchPolicy): SubscriptionDetails | undefined {
    return this.#index.get(topic, match)?.details;
  }

  /** Every subscription an event on `topic` is delivered to (meta API wamp.subscription.match). */
  matching(topic: string): SubscriptionDetails[] {
    return this.#index.matchAll(topic).map((subscription) => subscription.details);
  }

  #drop(session: SessionHandle, subscription: Subscription): void {
    subscription.subscribers.delete(session.id);
    const mine = this.#bySession.get(session.id);
    mine?.delete(subscription);
    if (mine?.size === 0) this.#bySession.delete(session.id);
    const deleted = subscription.subscribers.size === 0;
    if (deleted) {
      this.#index.delete(subscription.details.uri, subscription.details.match);
      this.#byId.delete(subscription.details.id);
    }
    this.#hooks?.removed(session, subscription.details, deleted);
  }
}
