/** Builders for router configs in unit tests. */
import type { MatchPolicy, PermissionConfig, RealmConfig, RoleConfig } from '../../shared/config/types.ts';
import type { Action } from '../../router/authz/authorizer.ts';

const ALL: readonly Action[] = ['call', 'register', 'publish', 'subscribe'];

/** A permission allowing `actions` (default: all four) on `uri`/`match` (default: everything). */
export function permission(uri = '', match: MatchPolicy = 'prefix', actions: readonly Action[] = ALL, disclose: { caller?: boolean; publisher?: boolean } = {}): PermissionConfig {
  return {
    uri,
    match,
    allow: { call: actions.includes('call'), register: actions.includes('register'), publish: actions.includes('publish'), subscribe: actions.includes('subscribe') },
    disclose: { caller: disclose.caller ?? false, publisher: disclose.publisher ?? false },
    cache: true,
  };
}

/** A role allowed everything. */
export function openRole(name: string): RoleConfig {
  return { name, permissions: [permission()] };
}

/** A realm whose roles (default: 'anonymous') may do everything. */
export function openRealm(name = 'realm1', roles: readonly string[] = ['anonymous']): RealmConfig {
  return { name, roles: roles.map(openRole) };
}
