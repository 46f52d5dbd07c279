/**
 * The dynamic authorizer the worker registers as `<prefix>.auth.authorize`, for roles configured with
 * `"authorizer": "asexor.auth.authorize"` (the `user` role of crossbar-config/config.json). Crossbar's
 * contract (docs/crossbar-compat.md): `authorize(session, uri, action, options)` → `{allow, disclose, cache}`.
 *
 * Policy: a user may call `<prefix>.task.*`, `<prefix>.control.*` and `<prefix>.files.*` (with caller disclosure: the
 * worker learns who called from it, never from arguments) and subscribe, with match `exact`, to
 * exactly their own status topic. Admin roles may also subscribe to any status topic, any match
 * policy. When the original ASEXOR's WAMP API is enabled (worker/legacy-wamp-api.ts), every role
 * reaching the authorizer may also call its procedure (with caller disclosure) and subscribe, with
 * match `exact`, to its update topic: the router delivers each update to the calling session only
 * (`eligible`), so the shared topic reveals nothing of other sessions. Everything else is denied. Every decision depends only on the session's identity and the
 * request, so the router may cache it for the session (`cache: true`).
 */
import { InvalidParamsError } from '../shared/errors.ts';
import { statusTopic } from '../shared/wamp/app-uris.ts';

export interface AuthorizePolicy {
  readonly uriPrefix: string;
  readonly adminRoles: readonly string[];
  /** The original ASEXOR's WAMP API (shared/legacy/settings.ts); absent = disabled. */
  readonly legacyWampApi?: { readonly enabled: boolean; readonly procedure: string; readonly topic: string } | undefined;
}

export interface AuthorizeDecision {
  readonly allow: boolean;
  readonly disclose: boolean;
  readonly cache: boolean;
}

/** The fields of Crossbar's session dict the policy reads. */
export interface AuthorizeSession {
  readonly authid: string;
  readonly authrole: string;
}

const DENY: AuthorizeDecision = Object.freeze({ allow: false, disclose: false, cache: true });
const ALLOW: AuthorizeDecision = Object.freeze({ allow: true, disclose: false, cache: true });
const ALLOW_DISCLOSED: AuthorizeDecision = Object.freeze({ allow: true, disclose: true, cache: true });

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `uri` is `<base><name>` with a non-empty name that is one URI component. */
function isChildOf(uri: string, base: string): boolean {
  return uri.length > base.length && uri.startsWith(base) && !uri.includes('.', base.length);
}

export function authorize(policy: AuthorizePolicy, session: AuthorizeSession, uri: string, action: string, options: Readonly<Record<string, unknown>>): AuthorizeDecision {
  const prefix = policy.uriPrefix;
  const admin = policy.adminRoles.includes(session.authrole);
  const legacy = policy.legacyWampApi?.enabled === true ? policy.legacyWampApi : undefined;
  switch (action) {
    case 'call':
      return isChildOf(uri, `${prefix}.task.`) || isChildOf(uri, `${prefix}.control.`) || isChildOf(uri, `${prefix}.files.`) || uri === legacy?.procedure
        ? ALLOW_DISCLOSED : DENY;
    case 'subscribe': {
      const match = options['match'] ?? 'exact';
      if (uri === legacy?.topic) return match === 'exact' ? ALLOW : DENY;
      if (admin) return uri.startsWith(`${prefix}.status.`) ? ALLOW : DENY;
      // Compare with the escaped topic of the session's own authid; never unescape the requested topic.
      return match === 'exact' && session.authid !== '' && uri === statusTopic(prefix, session.authid) ? ALLOW : DENY;
    }
    default:
      return DENY;
  }
}

/**
 * The procedure's arguments `[session, uri, action, options]` → the decision. Malformed arguments
 * throw InvalidParamsError: the router then answers wamp.error.authorization_failed.
 */
export function authorizeCall(policy: AuthorizePolicy, args: readonly unknown[]): AuthorizeDecision {
  const [session, uri, action, options] = args;
  if (!isDict(session) || typeof session['authid'] !== 'string' || typeof session['authrole'] !== 'string') {
    throw new InvalidParamsError([{ field: 'session', message: 'session: expected the session dict {authid, authrole, …}' }]);
  }
  if (typeof uri !== 'string' || typeof action !== 'string') {
    throw new InvalidParamsError([{ field: 'uri', message: 'uri, action: expected strings (authorize(session, uri, action, options))' }]);
  }
  return authorize(policy, { authid: session['authid'], authrole: session['authrole'] }, uri, action, isDict(options) ? options : {});
}
