/**
 * Who a delegating service may act as (docs/legacy-rawsocket.md, "Delegated listener"). The original
 * trusted every client of a delegated listener with any user and any role; here the listener's
 * `delegates` setting maps the service's own role to the roles it may claim, and nothing else passes.
 */
import type { LegacyCall } from './legacy-message.ts';

/** The roles a service with `serviceRole` may act as, or undefined when it may not delegate at all. */
export function delegableRoles(
  delegates: Readonly<Record<string, readonly string[]>>, serviceRole: string,
): readonly string[] | undefined {
  // Own keys only: a role named "constructor" or "__proto__" must not find Object.prototype's members.
  if (!Object.hasOwn(delegates, serviceRole)) return undefined;
  const roles: unknown = delegates[serviceRole];
  if (!Array.isArray(roles) || roles.length === 0) return undefined;
  return roles.filter((role): role is string => typeof role === 'string' && role !== '');
}

export type DelegatedIdentity =
  | { readonly ok: true; readonly user: string; readonly role: string }
  | { readonly ok: false; readonly text: string };

export const MISSING_USER_TEXT = 'User identification is missing: a delegated call needs "user" (a non-empty string) in its payload';

export function roleNotDelegableText(role: string): string {
  return `Role ${role} may not be delegated by this service`;
}

/**
 * The user and role a delegated call runs as: its `user` (required) and its `role`, or the first of
 * `allowed` when it names none. A role outside `allowed` is refused.
 */
export function delegatedIdentity(call: Pick<LegacyCall, 'user' | 'role'>, allowed: readonly string[]): DelegatedIdentity {
  if (call.user === undefined || call.user === '') return { ok: false, text: MISSING_USER_TEXT };
  const role = call.role ?? allowed[0];
  if (role === undefined || !allowed.includes(role)) return { ok: false, text: roleNotDelegableText(role ?? '') };
  return { ok: true, user: call.user, role };
}
