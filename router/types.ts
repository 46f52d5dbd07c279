/** Types shared by the router's realm, broker, dealer, authorizer and meta API. */
import type { WampMessage } from '../shared/wamp/messages.ts';
import type { AuthMethod, AuthProvider } from './auth/authenticator.ts';
import type { TransportDetails } from './transports/peer.ts';

/** Client roles and the features each announced in HELLO.Details.roles. */
export type ClientRole = 'caller' | 'callee' | 'publisher' | 'subscriber';

/** The facts about a joined session that policy (authorizer, disclosure, eligibility) needs. */
export interface SessionInfo {
  readonly id: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: AuthMethod;
  readonly authprovider: AuthProvider;
  readonly transport: TransportDetails;
}

/** A joined session as the broker and dealer see it. */
export interface SessionHandle extends SessionInfo {
  /** Whether the client announced `roles[role].features[feature] === true`. */
  hasFeature(role: ClientRole, feature: string): boolean;
  hasRole(role: ClientRole): boolean;
  send(message: WampMessage): void;
}

/** Payload of a successful internal call. */
export interface CallResult {
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
}

/**
 * How router components (dynamic authenticator, dynamic authorizer) call a procedure registered on
 * a realm, as the router's own trusted service session. Rejects with `WampCallError`
 * (router/dealer/wamp-call-error.ts) carrying the callee's error URI, or wamp.error.no_such_procedure.
 */
export type InternalCall = (
  realm: string,
  procedure: string,
  args: readonly unknown[],
  kwargs?: Readonly<Record<string, unknown>>,
) => Promise<CallResult>;
