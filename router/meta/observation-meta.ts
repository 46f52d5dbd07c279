/**
 * What the registration and subscription meta APIs share (spec: advanced/meta_api_registrations.md,
 * meta_api_subscriptions.md): the four lifecycle events, and the per-policy id lists of `list`.
 * Neither reports anything on protected (`wamp.`) URIs.
 */
import type { MatchPolicy } from '../matching.ts';
import type { ObservationHooks, SubscriptionDetails } from './hooks.ts';
import type { MetaSession } from './meta-session.ts';
import { isProtectedUri, type MetaTopic } from './uris.ts';

export interface LifecycleTopics {
  readonly create: MetaTopic;
  readonly add: MetaTopic;
  readonly remove: MetaTopic;
  readonly delete: MetaTopic;
}

/**
 * on_create(session, details) before on_register/on_subscribe(session, id), and
 * on_unregister/on_unsubscribe(session, id) before on_delete(session, id) (spec: "MUST be fired subsequent to").
 */
export function lifecycleEvents<T extends SubscriptionDetails>(meta: MetaSession, topics: LifecycleTopics): ObservationHooks<T> {
  return {
    added(session, observation, created) {
      if (isProtectedUri(observation.uri)) return;
      if (created) meta.publish(topics.create, [session.id, observation]);
      meta.publish(topics.add, [session.id, observation.id]);
    },
    removed(session, observation, deleted) {
      if (isProtectedUri(observation.uri)) return;
      meta.publish(topics.remove, [session.id, observation.id]);
      if (deleted) meta.publish(topics.delete, [session.id, observation.id]);
    },
  };
}

/** spec: RegistrationLists / SubscriptionLists: `{exact, prefix, wildcard}` id lists. */
export function listsByPolicy(observations: Iterable<SubscriptionDetails>): Record<MatchPolicy, number[]> {
  const lists: Record<MatchPolicy, number[]> = { exact: [], prefix: [], wildcard: [] };
  for (const observation of observations) {
    if (!isProtectedUri(observation.uri)) lists[observation.match].push(observation.id);
  }
  return lists;
}

/** The id of a visible observation, else null (spec: "(Nullable) registration|id"). */
export function idOrNull(observation: SubscriptionDetails | undefined): number | null {
  return observation && !isProtectedUri(observation.uri) ? observation.id : null;
}
