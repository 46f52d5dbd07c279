/**
 * What the router's own sessions in a realm (internal-session.ts, meta/meta-session.ts) share: the
 * trusted identity, the local transport, a fixed set of roles and no advanced features. Neither is
 * ever joined to the realm.
 */
import type { WampMessage } from '../../shared/wamp/messages.ts';
import { randomId } from '../../shared/wamp/ids.ts';
import type { TransportDetails } from '../transports/peer.ts';
import type { ClientRole, SessionHandle } from '../types.ts';

const ROUTER_TRANSPORT: TransportDetails = Object.freeze({ kind: 'local', serializer: 'none', peer: 'internal' });

/** Always-allowed, never-disclosing decision: the router trusts itself. */
export const TRUSTED = Object.freeze({ allow: true, disclose: false });

export abstract class RouterOwnSession implements SessionHandle {
  readonly id = randomId();
  readonly realm: string;
  readonly authid = 'asexor.router';
  readonly authrole = 'trusted';
  readonly authmethod = 'anonymous';
  readonly authprovider = 'static';
  readonly transport = ROUTER_TRANSPORT;
  readonly #roles: ReadonlySet<ClientRole>;

  constructor(realm: string, roles: readonly ClientRole[]) {
    this.realm = realm;
    this.#roles = new Set(roles);
  }

  hasRole(role: ClientRole): boolean {
    return this.#roles.has(role);
  }
  /** No progressive results, no canceling: one answer per call or INVOCATION. */
  hasFeature(): boolean {
    return false;
  }

  abstract send(message: WampMessage): void;
}
