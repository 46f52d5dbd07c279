/**
 * A realm's authorizer: dispatch on the session's authrole to that role's static permissions or
 * dynamic authorizer procedure. A role the realm does not define is denied everything.
 */
import type { RealmConfig } from '../../shared/config/types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Dict } from '../../shared/wamp/messages.ts';
import type { Action, Authorization, Authorizer } from './authorizer.ts';
import { DynamicAuthorizer } from './dynamic-authorizer.ts';
import { StaticAuthorizer } from './static-authorizer.ts';
import type { InternalCall, SessionInfo } from '../types.ts';

const DENY: Authorization = { allow: false, disclose: false };

export function createRealmAuthorizer(
  realm: RealmConfig,
  deps: { readonly call: InternalCall; readonly logger: Logger },
): Authorizer {
  const byRole = new Map<string, Authorizer>();
  for (const role of realm.roles) {
    byRole.set(role.name, 'authorizer' in role ? new DynamicAuthorizer(role.authorizer, deps.call) : new StaticAuthorizer(role.permissions));
  }
  const log = deps.logger.child({ component: 'authorizer', realm: realm.name });
  return {
    authorize(session: SessionInfo, action: Action, uri: string, options: Dict): Authorization | Promise<Authorization> {
      const authorizer = byRole.get(session.authrole);
      if (!authorizer) {
        log.debug({ session: session.id, authrole: session.authrole, action, uri }, 'role not defined on realm: denied');
        return DENY;
      }
      return authorizer.authorize(session, action, uri, options);
    },
  };
}
