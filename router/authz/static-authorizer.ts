/**
 * Authorization from a role's Crossbar-style `permissions[]` (docs/crossbar-compat.md).
 * Of all permissions whose pattern matches the URI, the one with the LONGEST pattern wins; at equal
 * length exact beats prefix, and prefix beats wildcard; at a full tie the first configured wins.
 * No matching permission = deny. `disclose.caller` / `disclose.publisher` force disclosure on
 * call / publish. A legacy trailing '*' is turned into match 'prefix' by the config loader.
 *
 * Unlike Crossbar's trie lookup (which takes the longest string-prefix key even when that
 * permission is 'exact' for another URI, and then denies), only MATCHING permissions compete here.
 */
import type { MatchPolicy, PermissionConfig } from '../../shared/config/types.ts';
import type { Action, Authorization, Authorizer } from './authorizer.ts';

const DENY: Authorization = { allow: false, disclose: false };

/** Prefix: plain string prefix, as Crossbar ("com.a" matches "com.ab"); "" matches everything. */
function prefixMatches(pattern: string, uri: string): boolean {
  return uri.startsWith(pattern);
}

/** Wildcard: same number of components; an empty pattern component matches any one component. */
function wildcardMatches(pattern: readonly string[], uri: string): boolean {
  const parts = uri.split('.');
  if (parts.length !== pattern.length) return false;
  return pattern.every((p, i) => p === '' || p === parts[i]);
}

const POLICY_RANK: Readonly<Record<MatchPolicy, number>> = { exact: 0, prefix: 1, wildcard: 2 };

interface Rule {
  readonly permission: PermissionConfig;
  readonly components: readonly string[];
  /** The decision per action, built once (an Authorization is never mutated). */
  readonly decisions: Readonly<Record<Action, Authorization>>;
}

function decisionsOf(permission: PermissionConfig): Readonly<Record<Action, Authorization>> {
  const decide = (action: Action, disclose: boolean): Authorization => Object.freeze({ allow: permission.allow[action], disclose });
  return Object.freeze({
    call: decide('call', permission.disclose.caller),
    publish: decide('publish', permission.disclose.publisher),
    register: decide('register', false),
    subscribe: decide('subscribe', false),
  });
}

export class StaticAuthorizer implements Authorizer {
  readonly #rules: readonly Rule[];
  constructor(permissions: readonly PermissionConfig[]) {
    // Sorted once by precedence, so the first match is the winner.
    this.#rules = permissions
      .map((permission, index) => ({ permission, index, components: permission.uri.split('.') }))
      .sort((a, b) =>
        b.permission.uri.length - a.permission.uri.length ||
        POLICY_RANK[a.permission.match] - POLICY_RANK[b.permission.match] ||
        a.index - b.index)
      .map(({ permission, components }) => ({ permission, components, decisions: decisionsOf(permission) }));
  }

  /** The permission that decides for `uri`, if any. */
  permissionFor(uri: string): PermissionConfig | undefined {
    return this.#ruleFor(uri)?.permission;
  }

  authorize(_session: unknown, action: Action, uri: string): Authorization {
    return this.#ruleFor(uri)?.decisions[action] ?? DENY;
  }

  #ruleFor(uri: string): Rule | undefined {
    for (const rule of this.#rules) if (this.#matches(rule, uri)) return rule;
    return undefined;
  }

  #matches(rule: Rule, uri: string): boolean {
    const { uri: pattern, match } = rule.permission;
    switch (match) {
      case 'exact': return pattern === uri;
      case 'prefix': return prefixMatches(pattern, uri);
      case 'wildcard': return wildcardMatches(rule.components, uri);
    }
  }
}
