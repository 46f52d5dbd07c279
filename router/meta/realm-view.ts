/** What the meta API needs from its realm (router/realm.ts implements it). */
import type { Dict } from '../../shared/wamp/messages.ts';
import type { Action, Authorization } from '../authz/authorizer.ts';
import type { Broker } from '../broker/broker.ts';
import type { Dealer } from '../dealer/dealer.ts';
import type { SessionHandle } from '../types.ts';

/** The outcome of the realm's URI check and authorization of a request. */
export type Verdict =
  | { readonly allow: true; readonly authorization: Authorization }
  | { readonly allow: false; readonly error: string; readonly text: string };

export interface MetaRealm {
  readonly name: string;
  readonly strictUris: boolean;
  readonly broker: Broker;
  readonly dealer: Dealer;
  /** The joined client sessions (never the router's own sessions). */
  sessions(): Iterable<SessionHandle>;
  session(id: number): SessionHandle | undefined;
  /** GOODBYE `reason` to a joined session, which leaves at once; false if there is none with that id. */
  kill(id: number, reason: string, message: string | undefined, quiet?: boolean): boolean;
  /** URI check and authorization of `action` on `uri` as `session` (never settles if it leaves meanwhile). */
  check(session: SessionHandle, action: Action, uri: string, options: Dict): Promise<Verdict>;
}
