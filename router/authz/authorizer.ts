/**
 * Authorization is a small interface (nexus router/authorizer.go). `StaticAuthorizer` (built from
 * Crossbar-style roles[].permissions[]) and `DynamicAuthorizer` (a WAMP procedure, Crossbar's
 * `authorize(session, uri, action, options)`) are its implementations.
 */
import type { Dict, Uri } from '../../shared/wamp/messages.ts';
import type { SessionInfo } from '../types.ts';

export type Action = 'call' | 'register' | 'publish' | 'subscribe';

export interface Authorization {
  readonly allow: boolean;
  /** Force caller (for call) / publisher (for publish) disclosure. */
  readonly disclose: boolean;
}

export interface Authorizer {
  /**
   * Decide whether `session` may perform `action` on `uri`. A rejection/throw means
   * `wamp.error.authorization_failed`; `{ allow: false }` means `wamp.error.not_authorized`.
   */
  authorize(session: SessionInfo, action: Action, uri: Uri, options: Dict): Authorization | Promise<Authorization>;
}
