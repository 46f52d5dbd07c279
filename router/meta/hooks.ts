/**
 * The typed lifecycle hooks through which the realm's broker and dealer report to the meta API
 * (spec: advanced/meta_api_subscriptions.md, advanced/meta_api_registrations.md). Payload shapes
 * are the spec's SubscriptionDetails / RegistrationDetails.
 */
import type { MatchPolicy } from '../matching.ts';
import type { InvokePolicy } from '../dealer/registration.ts';
import type { SessionHandle } from '../types.ts';

/** spec: advanced/meta_api_subscriptions.md "SubscriptionDetails" */
export interface SubscriptionDetails {
  readonly id: number;
  /** ISO 8601 creation time. */
  readonly created: string;
  readonly uri: string;
  readonly match: MatchPolicy;
}

/** spec: advanced/meta_api_registrations.md "RegistrationDetails" */
export interface RegistrationDetails extends SubscriptionDetails {
  readonly invoke: InvokePolicy;
}

export interface ObservationHooks<T extends SubscriptionDetails> {
  /** `session` was added to `observation` (SUBSCRIBE / REGISTER); `created`: it did not exist before. */
  added(session: SessionHandle, observation: T, created: boolean): void;
  /** `session` was removed (UNSUBSCRIBE / UNREGISTER / it left); `deleted`: it was the last member. */
  removed(session: SessionHandle, observation: T, deleted: boolean): void;
}
