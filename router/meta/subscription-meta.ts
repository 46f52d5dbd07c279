/**
 * Subscription meta API (spec: advanced/meta_api_subscriptions.md): the on_create, on_subscribe,
 * on_unsubscribe and on_delete events (broker hooks) and the list, lookup, match, get,
 * list_subscribers and count_subscribers procedures. Subscriptions to `wamp.` topics (the meta
 * events themselves) are not shown.
 */
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { SubscriptionInfo } from '../broker/broker.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';
import { idArg, matchOption, stringArg } from './args.ts';
import type { ObservationHooks, SubscriptionDetails } from './hooks.ts';
import type { MetaSession } from './meta-session.ts';
import { idOrNull, lifecycleEvents, listsByPolicy } from './observation-meta.ts';
import type { MetaRealm } from './realm-view.ts';
import { isProtectedUri, MetaProcedure, MetaTopic } from './uris.ts';

export class SubscriptionMeta {
  readonly hooks: ObservationHooks<SubscriptionDetails>;
  readonly #realm: MetaRealm;
  readonly #meta: MetaSession;

  constructor(realm: MetaRealm, meta: MetaSession) {
    this.#realm = realm;
    this.#meta = meta;
    this.hooks = lifecycleEvents(meta, {
      create: MetaTopic.subscriptionOnCreate,
      add: MetaTopic.subscriptionOnSubscribe,
      remove: MetaTopic.subscriptionOnUnsubscribe,
      delete: MetaTopic.subscriptionOnDelete,
    });
  }

  register(): void {
    const meta = this.#meta;
    const broker = (): MetaRealm['broker'] => this.#realm.broker;
    meta.register(MetaProcedure.subscriptionList, () => listsByPolicy(broker().subscriptions()));
    meta.register(MetaProcedure.subscriptionLookup, ({ args }) => idOrNull(broker().lookup(stringArg(args[0], 'topic'), matchOption(args[1]))));
    // spec: "a list of all matching subscription IDs, or null": every subscription an event would reach
    meta.register(MetaProcedure.subscriptionMatch, ({ args }) => {
      const ids = broker().matching(stringArg(args[0], 'topic')).flatMap((subscription) => idOrNull(subscription) ?? []);
      return ids.length > 0 ? ids : null;
    });
    meta.register(MetaProcedure.subscriptionGet, ({ args }) => {
      const { id, created, uri, match } = this.#find(args[0]);
      return { id, created, uri, match };
    });
    meta.register(MetaProcedure.subscriptionListSubscribers, ({ args }) => [...this.#find(args[0]).subscribers]);
    meta.register(MetaProcedure.subscriptionCountSubscribers, ({ args }) => this.#find(args[0]).subscribers.length);
  }

  #find(value: unknown): SubscriptionInfo {
    const id = idArg(value, 'subscription');
    const subscription = this.#realm.broker.subscription(id);
    if (!subscription || isProtectedUri(subscription.uri)) {
      throw new WampCallError(WampErrorUri.noSuchSubscription, [`no subscription with ID ${id} exists on this realm`]);
    }
    return subscription;
  }
}
