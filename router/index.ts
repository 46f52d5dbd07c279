/**
 * The embedded WAMP router's public surface. Transports import only the `Router` and
 * `AttachOptions` types from here (and `Peer` from ./transports/peer.ts).
 */
import type { RealmConfig, TransportAuthConfig } from '../shared/config/types.ts';
import type { Logger } from '../shared/logger.ts';
import type { Timers } from '../shared/timers.ts';
import type { LoginThrottleOptions } from './auth/login-throttle.ts';
import { WampRouter } from './router.ts';
import type { MessageCounts } from './metrics/message-counters.ts';
import type { Peer, TransportKind } from './transports/peer.ts';
import type { InternalCall } from './types.ts';

export interface RouterOptions {
  readonly realms: readonly RealmConfig[];
  /** @default silentLogger() */
  readonly logger?: Logger;
  /** Abort a handshake that has not reached WELCOME in time (HELLO wait + auth). @default 10_000 */
  readonly handshakeTimeoutMs?: number;
  /** Validate URIs with the strict rule ([0-9a-z_]+ components) instead of the loose one. @default false */
  readonly strictUris?: boolean;
  /**
   * Failed-login throttling per authid and per address (router/auth/login-throttle.ts, defaults
   * LOGIN_THROTTLE_DEFAULTS there); `false` turns it off. @default {}
   */
  readonly loginThrottle?: LoginThrottleOptions | false;
  /** The clock every realm's dealer runs call timeouts on (shared/timers.ts). @default realTimers */
  readonly timers?: Timers;
}

export interface AttachOptions {
  /** The transport's auth block; undefined = anonymous only, role 'anonymous' (Crossbar rule). */
  readonly auth?: TransportAuthConfig;
}

export interface Router {
  /** Run the WAMP session of one connection (HELLO … GOODBYE) over `peer`. */
  attach(peer: Peer, options?: AttachOptions): void;
  /** Call a procedure as the router's own trusted service session (dynamic authenticator/authorizer). */
  readonly call: InternalCall;
  /** Number of joined sessions across realms. */
  readonly sessionCount: number;
  /** Established sessions by transport kind, across realms (read at scrape time: router/metrics/metrics.ts). */
  sessionsByTransport(): Record<TransportKind, number>;
  /** Messages received and sent since start, by WAMP message type code (read-only; router/metrics/message-counters.ts). */
  readonly messageCounts: MessageCounts;
  /** GOODBYE wamp.close.system_shutdown to every session, close peers, clear timers. */
  close(): Promise<void>;
}

/** Throws ConfigInvalidError for invalid options (duplicate or invalid realm names, bad timeout). */
export function createRouter(options: RouterOptions): Router {
  return new WampRouter(options);
}

export { VERSION, ROUTER_AGENT } from './version.ts';
export type { MessageCounts } from './metrics/message-counters.ts';
