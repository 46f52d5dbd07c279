/**
 * URI syntax rules (spec: basic/building_blocks.md "URIs"; pattern-based subscription and
 * registration: advanced/pubsub_pattern_based_subscription.md, rpc_pattern_based_registration.md).
 *
 * - loose (MUST): components are non-empty and contain no whitespace, '.' or '#';
 * - strict (SHOULD): components match [0-9a-z_]+;
 * - wildcard patterns (`match: 'wildcard'`) may have empty components ("com.myapp..update");
 * - prefix patterns (`match: 'prefix'`) are ordinary URIs; `allowLastEmpty` additionally accepts a
 *   trailing '.' ("com.myapp.") as autobahn/Crossbar do.
 * The regexes are the spec's own; each component class excludes '.', so matching is linear.
 */

export interface UriRuleOptions {
  /** Use the strict rule ([0-9a-z_]+ components) instead of the loose one. */
  readonly strict: boolean;
  /** Empty components are allowed (wildcard patterns). */
  readonly allowEmptyComponents: boolean;
  /** Only the last component may be empty (prefix patterns like "com.myapp."). @default false */
  readonly allowLastEmpty?: boolean;
}

/** How a pattern URI matches (pattern-based subscriptions and registrations, permissions): declared once, here. */
export type MatchPolicy = 'exact' | 'prefix' | 'wildcard';

// spec: basic/building_blocks.md "URIs" (the four regexes given there)
const LOOSE = /^([^\s.#]+\.)*([^\s.#]+)$/;
const LOOSE_EMPTY = /^(([^\s.#]+\.)|\.)*([^\s.#]+)?$/;
const STRICT = /^([0-9a-z_]+\.)*([0-9a-z_]+)$/;
const STRICT_EMPTY = /^(([0-9a-z_]+\.)|\.)*([0-9a-z_]+)?$/;
// Prefix patterns with an empty last component (autobahn-python's *_LAST_EMPTY rules).
const LOOSE_LAST_EMPTY = /^([^\s.#]+\.)*([^\s.#]*)$/;
const STRICT_LAST_EMPTY = /^([0-9a-z_]+\.)*([0-9a-z_]*)$/;

export function isValidUri(uri: string, opts: UriRuleOptions): boolean {
  if (opts.strict) {
    if (opts.allowEmptyComponents) return STRICT_EMPTY.test(uri);
    return (opts.allowLastEmpty === true ? STRICT_LAST_EMPTY : STRICT).test(uri);
  }
  if (opts.allowEmptyComponents) return LOOSE_EMPTY.test(uri);
  return (opts.allowLastEmpty === true ? LOOSE_LAST_EMPTY : LOOSE).test(uri);
}

/**
 * The rule for a SUBSCRIBE.Topic / REGISTER.Procedure under a match policy: exact → plain URI,
 * prefix → URI or URI prefix ending in '.', wildcard → empty components allowed.
 */
export function isValidPattern(uri: string, match: MatchPolicy, strict: boolean): boolean {
  return isValidUri(uri, {
    strict,
    allowEmptyComponents: match === 'wildcard',
    allowLastEmpty: match === 'prefix',
  });
}
