/**
 * The router roles and features announced in WELCOME.Details.roles (spec: advanced/features.md).
 * Only what the broker and dealer actually implement is listed: a client may rely on every key.
 * The meta APIs live in router/meta/.
 */
export const ROUTER_ROLES = Object.freeze({
  broker: Object.freeze({
    features: Object.freeze({
      publisher_identification: true, // spec: advanced/pubsub_publisher_identification.md
      publisher_exclusion: true, // spec: advanced/pubsub_publisher_exclusion.md
      subscriber_blackwhite_listing: true, // spec: advanced/pubsub_subscriber_blackwhite_listing.md
      pattern_based_subscription: true, // spec: advanced/pubsub_pattern_based_subscription.md
      session_meta_api: true, // spec: advanced/meta_api_sessions.md (announced by broker and dealer)
      subscription_meta_api: true, // spec: advanced/meta_api_subscriptions.md
    }),
  }),
  dealer: Object.freeze({
    features: Object.freeze({
      progressive_call_results: true, // spec: advanced/rpc_progressive_call_results.md
      call_canceling: true, // spec: advanced/rpc_call_canceling.md
      call_timeout: true, // spec: advanced/rpc_call_timeout.md
      caller_identification: true, // spec: advanced/rpc_caller_identification.md
      pattern_based_registration: true, // spec: advanced/rpc_pattern_based_registration.md
      shared_registration: true, // spec: advanced/rpc_shared_registration.md
      session_meta_api: true, // spec: advanced/meta_api_sessions.md (announced by broker and dealer)
      registration_meta_api: true, // spec: advanced/meta_api_registrations.md
      testament_meta_api: true, // spec: advanced/pubsub_testament.md
    }),
  }),
});

export type RouterRoles = typeof ROUTER_ROLES;
