/**
 * The resolved, validated router configuration: what `shared/config/crossbar.ts` produces from a
 * Crossbar.io node config and what `createRouter` consumes. Programmatic users build it directly.
 * Names follow Crossbar's where a Crossbar key exists (snake_case keys map to camelCase here).
 */
import type { SerializerId } from '../serializers/serializer.ts';
import type { MatchPolicy } from '../wamp/uri-rules.ts';

export type { MatchPolicy } from '../wamp/uri-rules.ts';

export interface PermissionConfig {
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly allow: { readonly call: boolean; readonly register: boolean; readonly publish: boolean; readonly subscribe: boolean };
  readonly disclose: { readonly caller: boolean; readonly publisher: boolean };
  /** Accepted for Crossbar compatibility; static decisions are always cheap so it changes nothing. */
  readonly cache: boolean;
}

export type RoleConfig =
  | { readonly name: string; readonly permissions: readonly PermissionConfig[] }
  | { readonly name: string; readonly authorizer: string };

export interface RealmConfig {
  readonly name: string;
  readonly roles: readonly RoleConfig[];
}

export interface DynamicAuthConfig {
  readonly type: 'dynamic';
  /** Procedure URI called as authenticate(realm, authid, details). */
  readonly authenticator: string;
  /** Realm the authenticator procedure is registered on; defaults to the realm the client asked for. */
  readonly authenticatorRealm?: string;
}

export interface AnonymousAuthConfig {
  readonly type: 'static';
  /** @default 'anonymous' */
  readonly role: string;
}

export interface TicketPrincipal {
  readonly ticket: string;
  readonly role: string;
}
export interface StaticTicketAuthConfig {
  readonly type: 'static';
  readonly principals: Readonly<Record<string, TicketPrincipal>>;
}

export interface WampCraUser {
  /**
   * The HMAC secret. For salted users this is the already-derived key
   * (`derive_key(password, salt, iterations, keylen)`), as Crossbar.io up to 23.x and the spec use it.
   */
  readonly secret: string;
  readonly role: string;
  readonly salt?: string;
  readonly iterations?: number;
  readonly keylen?: number;
}
export interface StaticWampCraAuthConfig {
  readonly type: 'static';
  readonly users: Readonly<Record<string, WampCraUser>>;
}

export interface TransportAuthConfig {
  readonly anonymous?: AnonymousAuthConfig | DynamicAuthConfig;
  readonly ticket?: StaticTicketAuthConfig | DynamicAuthConfig;
  readonly wampcra?: StaticWampCraAuthConfig | DynamicAuthConfig;
}

export interface TcpEndpoint {
  readonly type: 'tcp';
  /** @default '127.0.0.1' (Crossbar's default is all interfaces; we default to loopback) */
  readonly interface: string;
  /** 0 = ephemeral (tests) */
  readonly port: number;
}
export interface UnixEndpoint {
  readonly type: 'unix';
  readonly path: string;
}
export type Endpoint = TcpEndpoint | UnixEndpoint;

export interface WebSocketOptions {
  /** Largest message we accept, bytes. @default 16 MiB */
  readonly maxMessageSize: number;
  /** Keep-alive ping interval, ms; 0 disables. @default 30_000 (Crossbar: auto_ping_interval) */
  readonly autoPingInterval: number;
  /** Close when no pong arrives within this many ms. @default 10_000 (Crossbar: auto_ping_timeout) */
  readonly autoPingTimeout: number;
  /**
   * Origin patterns (`*` = any run of characters) a browser page must match to open a connection; an
   * upgrade whose Origin matches none is refused with HTTP 403, one without an Origin header is allowed
   * (router/transports/origin-policy.ts). @default undefined: any origin (Crossbar: allowed_origins, default ["*"])
   */
  readonly allowedOrigins?: readonly string[];
  /** With `allowedOrigins`: whether `Origin: null` (sandboxed frames, file: pages) may connect. @default false (Crossbar: allow_null_origin) */
  readonly allowNullOrigin?: boolean;
  /** Where a connection through a trusted reverse proxy comes from (router/auth/client-address.ts). @default undefined: the socket's peer */
  readonly clientAddress?: ClientAddressConfig;
}

/**
 * Trusted reverse proxies (router/auth/client-address.ts, docs/fairness-and-abuse.md): only when the
 * socket's peer is one of `trustedProxies` is the client's address taken from `header`, the
 * rightmost hop that is not a trusted proxy. From the router worker's `options.trusted_proxies` and
 * `options.client_address_header` (asexor extensions).
 */
export interface ClientAddressConfig {
  /** Addresses and CIDR ranges ('127.0.0.1', '10.0.0.0/8', 'fd00::/8'); shared/config/trusted-proxies.ts parses them. */
  readonly trustedProxies: readonly string[];
  /** The header the proxies set. @default 'x-forwarded-for' */
  readonly header: 'x-forwarded-for' | 'forwarded';
}

/** A WAMP-over-WebSocket service mounted at `path` of an HTTP listener. */
export interface WebSocketServiceConfig {
  readonly type: 'websocket';
  /** URL path, '/' or e.g. '/ws'. */
  readonly path: string;
  readonly serializers: readonly SerializerId[];
  readonly options: WebSocketOptions;
  /** No auth block = anonymous only, role 'anonymous' (Crossbar's rule). */
  readonly auth?: TransportAuthConfig;
}

/** Static files served by the web transport (the web app). */
export interface StaticServiceConfig {
  readonly type: 'static';
  readonly path: string;
  readonly directory: string;
}

/** WAMP over HTTP long-poll (spec: advanced/transport_http_longpoll.md), Crossbar `longpoll` path service. */
export interface LongPollServiceConfig {
  readonly type: 'longpoll';
  /** URL path prefix, e.g. '/lp'; resources are <path>/open, <path>/<transport>/{send,receive,close}. */
  readonly path: string;
  readonly serializers: readonly SerializerId[];
  readonly options: LongPollOptions;
  /** Crossbar has no long-poll auth (anonymous only); we accept the same `auth` block as WebSocket. */
  readonly auth?: TransportAuthConfig;
}

export interface LongPollOptions {
  /** How long a receive request is held open without data, ms. @default 10_000 (Crossbar: request_timeout, seconds) */
  readonly requestTimeout: number;
  /** Drop a transport with no request for this long, ms. @default 30_000 (Crossbar: session_timeout, seconds) */
  readonly sessionTimeout: number;
  /** Largest request body, bytes. @default 16 MiB */
  readonly maxMessageSize: number;
  /** Outgoing messages buffered for a client that does not poll; above this the transport is closed. @default 4 MiB */
  readonly queueLimitBytes: number;
  /** Origins allowed for CORS (exact match); empty = same-origin only. Never a wildcard with credentials. @default [] */
  readonly allowedOrigins: readonly string[];
  /** Where a request through a trusted reverse proxy comes from (router/auth/client-address.ts). @default undefined: the socket's peer */
  readonly clientAddress?: ClientAddressConfig;
}

export type WebServiceConfig = WebSocketServiceConfig | StaticServiceConfig | LongPollServiceConfig;

/** One HTTP listener: Crossbar `websocket` transports (one service at '/') and `web` transports (paths). */
export interface HttpTransportConfig {
  readonly type: 'http';
  readonly endpoint: TcpEndpoint;
  readonly services: readonly WebServiceConfig[];
}

/** WAMP over RawSocket (spec: advanced/transport_rawsocket.md) on TCP or a Unix socket. */
export interface RawSocketTransportConfig {
  readonly type: 'rawsocket';
  readonly endpoint: Endpoint;
  readonly serializers: readonly SerializerId[];
  readonly options: RawSocketOptions;
  readonly auth?: TransportAuthConfig;
}

export interface RawSocketOptions {
  /** Largest message we accept, bytes (announced in the handshake as 2^(9+L), rounded down). @default 16 MiB */
  readonly maxMessageSize: number;
  /** Refuse connections beyond this many with handshake error 4. @default 10_000 */
  readonly maxConnections: number;
}

export type TransportConfig = HttpTransportConfig | RawSocketTransportConfig;

/**
 * Failed-login throttling of the router (router/auth/login-throttle.ts, whose LOGIN_THROTTLE_DEFAULTS
 * fill what is left out). From the router worker's `options.login_throttle` (an asexor extension).
 */
export interface LoginThrottleConfig {
  readonly maxFailuresPerAuthid?: number;
  readonly maxFailuresPerAddress?: number;
  readonly windowMs?: number;
  readonly backoffMs?: number;
}

export interface RouterConfig {
  readonly realms: readonly RealmConfig[];
  readonly transports: readonly TransportConfig[];
  /** `false` turns throttling off. @default undefined: on, with the defaults */
  readonly loginThrottle?: LoginThrottleConfig | false;
}
