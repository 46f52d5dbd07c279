/**
 * The meta API's procedure and topic URIs (spec: advanced/meta_api_sessions.md,
 * meta_api_registrations.md, meta_api_subscriptions.md, pubsub_testament.md).
 */
export const MetaProcedure = {
  sessionCount: 'wamp.session.count',
  sessionList: 'wamp.session.list',
  sessionGet: 'wamp.session.get',
  sessionKill: 'wamp.session.kill',
  sessionKillByAuthid: 'wamp.session.kill_by_authid',
  sessionKillByAuthrole: 'wamp.session.kill_by_authrole',
  sessionKillAll: 'wamp.session.kill_all',
  addTestament: 'wamp.session.add_testament',
  flushTestaments: 'wamp.session.flush_testaments',
  registrationList: 'wamp.registration.list',
  registrationLookup: 'wamp.registration.lookup',
  registrationMatch: 'wamp.registration.match',
  registrationGet: 'wamp.registration.get',
  registrationListCallees: 'wamp.registration.list_callees',
  registrationCountCallees: 'wamp.registration.count_callees',
  subscriptionList: 'wamp.subscription.list',
  subscriptionLookup: 'wamp.subscription.lookup',
  subscriptionMatch: 'wamp.subscription.match',
  subscriptionGet: 'wamp.subscription.get',
  subscriptionListSubscribers: 'wamp.subscription.list_subscribers',
  subscriptionCountSubscribers: 'wamp.subscription.count_subscribers',
} as const;
export type MetaProcedure = (typeof MetaProcedure)[keyof typeof MetaProcedure];

export const MetaTopic = {
  sessionOnJoin: 'wamp.session.on_join',
  sessionOnLeave: 'wamp.session.on_leave',
  registrationOnCreate: 'wamp.registration.on_create',
  registrationOnRegister: 'wamp.registration.on_register',
  registrationOnUnregister: 'wamp.registration.on_unregister',
  registrationOnDelete: 'wamp.registration.on_delete',
  subscriptionOnCreate: 'wamp.subscription.on_create',
  subscriptionOnSubscribe: 'wamp.subscription.on_subscribe',
  subscriptionOnUnsubscribe: 'wamp.subscription.on_unsubscribe',
  subscriptionOnDelete: 'wamp.subscription.on_delete',
} as const;
export type MetaTopic = (typeof MetaTopic)[keyof typeof MetaTopic];

/**
 * Registrations and subscriptions on the WAMP protocol's own URIs (spec: basic/building_blocks.md
 * "URIs": the `wamp.` prefix) are the router's business: the registration and subscription meta API
 * neither lists them nor publishes events about them (Crossbar hides them from non-trusted callers too).
 */
export function isProtectedUri(uri: string): boolean {
  return uri.startsWith('wamp.');
}
