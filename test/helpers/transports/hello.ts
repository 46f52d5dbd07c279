/** HELLO as our test and bench clients send it (spec: basic/sessions.md: Details.roles is required and non-empty). */
import type { Dict } from '../../../shared/wamp/messages.ts';
import type { JoinOptions } from '../wamp-test-types.ts';

/** The roles an autobahn-like client announces (all four, with the features our tests use). */
export const CLIENT_ROLES: Dict = {
  caller: { features: { progressive_call_results: true, call_canceling: true, caller_identification: true } },
  callee: { features: { progressive_call_results: true, call_canceling: true, caller_identification: true } },
  publisher: { features: { publisher_identification: true, publisher_exclusion: true, subscriber_blackwhite_listing: true } },
  subscriber: { features: { publisher_identification: true, pattern_based_subscription: true } },
};

/** All four roles without features: what a load generator announces. */
export const LEAN_ROLES: Dict = { caller: {}, callee: {}, publisher: {}, subscriber: {} };

/** HELLO.Details: `roles`, and authid and authmethods when `options` has them. */
export function helloDetails(options: Omit<JoinOptions, 'realm'>, roles: Dict): Dict {
  const details: Record<string, unknown> = { roles };
  if (options.authid !== undefined) details['authid'] = options.authid;
  if (options.authmethods !== undefined) details['authmethods'] = options.authmethods;
  return details;
}
