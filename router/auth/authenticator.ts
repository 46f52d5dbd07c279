/**
 * Authentication is a small interface (nexus router/auth/authenticator.go) with Crossbar's
 * Accept/Challenge/Deny outcome (crossbar router/auth/pending.py) as a discriminated union.
 * Per-handshake state lives in the `verify` closure, so authenticators stay stateless.
 */
import type { Dict, Uri } from '../../shared/wamp/messages.ts';
import type { TransportDetails } from '../transports/peer.ts';

export type AuthMethod = 'anonymous' | 'ticket' | 'wampcra';
export type AuthProvider = 'static' | 'dynamic';

export interface Principal {
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: AuthMethod;
  readonly authprovider: AuthProvider;
  /** Sent as WELCOME.Details.authextra. */
  readonly authextra?: Dict;
  /** A dynamic authenticator may move the session to another realm (Crossbar contract). */
  readonly realm?: string;
}

export type AuthAccept = { readonly kind: 'accept'; readonly principal: Principal };
export type AuthDeny = { readonly kind: 'deny'; readonly reason: Uri; readonly message: string };
export type AuthChallenge = {
  readonly kind: 'challenge';
  /** CHALLENGE.Extra */
  readonly extra: Dict;
  /** Called once with AUTHENTICATE.Signature and .Extra; the closure holds the expected value. */
  verify(signature: string, extra: Dict): Promise<AuthAccept | AuthDeny>;
};
export type AuthStep = AuthAccept | AuthDeny | AuthChallenge;

/** What the handshake knows when it asks an authenticator to start. */
export interface AuthRequest {
  readonly realm: string;
  /** HELLO.Details (authid, authrole, authextra, roles, agent, …) */
  readonly details: Dict;
  readonly authid: string | undefined;
  /** The session id WELCOME will carry (WAMP-CRA puts it in the challenge). */
  readonly session: number;
  readonly transport: TransportDetails;
}

export interface Authenticator {
  readonly method: AuthMethod;
  start(request: AuthRequest): Promise<AuthStep>;
}
