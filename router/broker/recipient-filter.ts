/**
 * Subscriber black- and whitelisting (spec: advanced/pubsub_subscriber_blackwhite_listing.md):
 * PUBLISH.Options exclude / exclude_authid / exclude_authrole / eligible / eligible_authid /
 * eligible_authrole. A subscriber receives the event only if it passes every present filter: it is
 * in each present eligible* list and in no present exclude* list.
 */
import type { Dict } from '../../shared/wamp/messages.ts';
import { isWampId } from '../../shared/wamp/ids.ts';
import type { SessionInfo } from '../types.ts';

export type RecipientFilter = (subscriber: SessionInfo) => boolean;

type Key = 'id' | 'authid' | 'authrole';

const LISTS: readonly { readonly option: string; readonly key: Key; readonly eligible: boolean }[] = [
  { option: 'exclude', key: 'id', eligible: false },
  { option: 'exclude_authid', key: 'authid', eligible: false },
  { option: 'exclude_authrole', key: 'authrole', eligible: false },
  { option: 'eligible', key: 'id', eligible: true },
  { option: 'eligible_authid', key: 'authid', eligible: true },
  { option: 'eligible_authrole', key: 'authrole', eligible: true },
];

const PASS_ALL: RecipientFilter = () => true;

/**
 * The last options object and its filter: a publisher that sends the same (never mutated) options
 * object again, as the embedded worker does for a user's status events, gets the filter without a
 * rebuild. One entry only, so nothing is kept per publication.
 */
let lastOptions: Dict | undefined;
let lastFilter: RecipientFilter = PASS_ALL;

/** Build the filter from PUBLISH.Options; throws TypeError naming the option when a list is malformed. */
export function parseRecipientFilter(options: Dict): RecipientFilter {
  if (options === lastOptions) return lastFilter;
  const filter = buildFilter(options);
  lastOptions = options;
  lastFilter = filter;
  return filter;
}

function buildFilter(options: Dict): RecipientFilter {
  const checks: { readonly key: Key; readonly values: ReadonlySet<unknown>; readonly eligible: boolean }[] = [];
  for (const { option, key, eligible } of LISTS) {
    const value = options[option];
    if (value === undefined) continue;
    const valid = key === 'id' ? isWampId : (v: unknown): boolean => typeof v === 'string';
    if (!Array.isArray(value) || !value.every(valid)) {
      throw new TypeError(`PUBLISH.Options.${option} must be a list of ${key === 'id' ? 'session ids' : 'strings'}`);
    }
    checks.push({ key, values: new Set<unknown>(value), eligible });
  }
  if (checks.length === 0) return PASS_ALL;
  return (subscriber) => checks.every(({ key, values, eligible }) => values.has(subscriber[key]) === eligible);
}
