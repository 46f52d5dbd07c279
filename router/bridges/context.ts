/**
 * What every legacy bridge needs to turn a connection into a WAMP session (bridge-session.ts): the
 * router, the realm and URI prefix of the worker, and the auth block of the WAMP transport the
 * bridges stand in for (docs/legacy-protocols.md, "Tokens"). Built once by router/bridges/index.ts.
 */
import type { TransportAuthConfig } from '../../shared/config/types.ts';
import type { Logger } from '../../shared/logger.ts';
import { clientPeerOf, type PeerOf } from '../auth/client-address.ts';
import type { Router } from '../index.ts';
import { BridgeSession, type BridgeCredentials } from './bridge-session.ts';

export interface BridgeContext {
  readonly router: Router;
  readonly realm: string;
  readonly uriPrefix: string;
  readonly auth: TransportAuthConfig | undefined;
  readonly logger: Logger;
  /**
   * The client's peer string of an HTTP request (the legacy WebSocket and long poll): behind a trusted
   * reverse proxy the forwarded client, as for the WAMP service whose auth block the bridges use
   * (router/auth/client-address.ts).
   */
  readonly peerOf: PeerOf;
  /**
   * Join one WAMP session for a legacy client. `protocol` names the legacy protocol in the session's
   * transport details (e.g. 'asexor-legacy-ws'), `peer` the client's address. Rejects with a
   * BridgeJoinError when the router refuses (bad token, unknown role, …). `subscribe: false` skips the
   * status-topic subscription (a session that only authenticates a delegating service).
   */
  openSession(credentials: BridgeCredentials, protocol: string, peer: string, options?: { readonly subscribe?: boolean }): Promise<BridgeSession>;
}

/** `peerOf` defaults to the socket's peer (no trusted proxies). */
export function createBridgeContext(options: Omit<BridgeContext, 'openSession' | 'peerOf'> & { readonly peerOf?: PeerOf }): BridgeContext {
  return {
    ...options,
    peerOf: options.peerOf ?? clientPeerOf(undefined),
    openSession: (credentials, protocol, peer, more = {}) => BridgeSession.open({
      router: options.router, realm: options.realm, uriPrefix: options.uriPrefix, auth: options.auth, credentials,
      transport: { kind: 'local', serializer: 'none', peer, protocol }, logger: options.logger,
      ...(more.subscribe === undefined ? {} : { subscribe: more.subscribe }),
    }),
  };
}

/** A legacy protocol's own listener (raw socket TCP/Unix, long poll on its own port). */
export interface LegacyListener {
  /** TCP: the bound host and port (port 0 resolved); Unix: the socket path. */
  readonly address: { readonly host: string; readonly port: number } | { readonly path: string };
  /** Stop accepting, close every connection and its WAMP session; resolves when all are gone. */
  close(): Promise<void>;
}
