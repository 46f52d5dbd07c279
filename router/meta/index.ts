/**
 * The WAMP meta API of one realm: session, registration and subscription meta events and
 * procedures, and testaments (spec: advanced/meta_api_sessions.md, meta_api_registrations.md,
 * meta_api_subscriptions.md, pubsub_testament.md). The realm creates it before its broker and
 * dealer (which get its hooks), calls `start()` once they exist, and reports joins and leaves.
 *
 * Meta procedures are served by the router's MetaSession through the dealer and meta events are
 * published through the broker, so both are subject to the realm's authorizer like any URI.
 */
import type { Logger } from '../../shared/logger.ts';
import type { SessionHandle } from '../types.ts';
import type { ObservationHooks, RegistrationDetails, SubscriptionDetails } from './hooks.ts';
import { MetaSession } from './meta-session.ts';
import type { MetaRealm } from './realm-view.ts';
import { RegistrationMeta } from './registration-meta.ts';
import { SessionMeta } from './session-meta.ts';
import { SubscriptionMeta } from './subscription-meta.ts';
import { Testaments } from './testament.ts';

export class RealmMeta {
  readonly #sessions: SessionMeta;
  readonly #registrations: RegistrationMeta;
  readonly #subscriptions: SubscriptionMeta;
  readonly #testaments: Testaments;

  /** Must not touch `realm.broker` / `realm.dealer`: they are created after this. */
  constructor(realm: MetaRealm, logger: Logger) {
    const meta = new MetaSession(realm, logger);
    this.#sessions = new SessionMeta(realm, meta);
    this.#registrations = new RegistrationMeta(realm, meta);
    this.#subscriptions = new SubscriptionMeta(realm, meta);
    this.#testaments = new Testaments(realm, meta);
  }

  get registrationHooks(): ObservationHooks<RegistrationDetails> {
    return this.#registrations.hooks;
  }
  get subscriptionHooks(): ObservationHooks<SubscriptionDetails> {
    return this.#subscriptions.hooks;
  }

  /** Register the meta procedures (the broker and dealer exist now). */
  start(): void {
    this.#sessions.register();
    this.#registrations.register();
    this.#subscriptions.register();
    this.#testaments.register();
  }

  joined(session: SessionHandle): void {
    this.#sessions.joined(session);
  }

  /**
   * `session` left (its subscriptions and registrations are gone already): its testaments, then
   * wamp.session.on_leave. `quiet` (kill_all): neither (spec: advanced/meta_api_sessions.md).
   */
  left(session: SessionHandle, quiet: boolean): void {
    this.#testaments.release(session, !quiet);
    if (!quiet) this.#sessions.left(session);
  }
}
