/**
 * Maps validated Crossbar transports and auth blocks to TransportConfig: a `websocket`
 * transport is one WebSocket service at '/', a `web` transport one service per path, a
 * `rawsocket` transport a RawSocketTransportConfig (relative Unix socket paths resolved like Crossbar).
 * Resolves `"$PORT"` ports and `"${NAME}"` secrets from the environment (checkconfig.py
 * `_readenv` / `maybe_from_env`); a variable that is not set is an error naming the JSON path.
 */
import { resolve } from 'node:path';
import { ConfigInvalidError } from '../errors.ts';
import { configDefaults } from './defaults.ts';
import { describeValue, jsonPath, listOf } from './issues.ts';
import type { CrossbarAuth, CrossbarTcpEndpoint, CrossbarTransport, CrossbarWebSocketService } from './schema.ts';
import type { CrossbarDynamicAuth } from './schema-auth.ts';
import type { CrossbarLongPollService, CrossbarRawSocketTransport } from './schema-transport.ts';
import { ENV_PORT_REF, ENV_SECRET_REF } from './schema-common.ts';
import type {
  DynamicAuthConfig, HttpTransportConfig, LongPollServiceConfig, StaticServiceConfig, TcpEndpoint, TicketPrincipal, TransportAuthConfig,
  WampCraUser, WebServiceConfig, WebSocketServiceConfig, RawSocketTransportConfig, TransportConfig,
} from './types.ts';

export interface MapContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string | undefined;
  readonly realmNames: readonly string[];
}

/** Salted WAMP-CRA users: sane PBKDF2 parameters (Crossbar does not check them). */
export const SALT_LIMITS = { iterations: { min: 1, max: 10_000_000 }, keylen: { min: 16, max: 64 } } as const;

/** `$.a` + `b` → `$.a.b`, `$.a` + `/` → `$.a["/"]` */
export function child(at: string, key: string | number): string {
  return at + jsonPath([key]).slice(1);
}

/** A null-prototype record, so that an authid such as "constructor" never finds Object.prototype. */
function dict<T>(entries: Iterable<readonly [string, T]>): Readonly<Record<string, T>> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) out[key] = value;
  return out;
}

function fromEnv(name: string, at: string, ctx: MapContext): string {
  const value = ctx.env[name];
  if (value === undefined) throw new ConfigInvalidError(`environment variable '${name}' is not set`, at);
  if (value === '') throw new ConfigInvalidError(`environment variable '${name}' is empty`, at);
  return value;
}

function resolveSecret(value: string, at: string, ctx: MapContext): string {
  const name = ENV_SECRET_REF.exec(value)?.[1];
  return name === undefined ? value : fromEnv(name, at, ctx);
}

function resolvePort(value: number | string, at: string, ctx: MapContext): number {
  if (typeof value === 'number') return value;
  const name = ENV_PORT_REF.exec(value)?.[1] ?? '';
  const text = fromEnv(name, at, ctx);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) {
    throw new ConfigInvalidError(`environment variable '${name}' must hold a port number from 0 to 65535, got ${describeValue(text, [])}`, at);
  }
  return port;
}

function mapEndpoint(endpoint: CrossbarTcpEndpoint, at: string, ctx: MapContext): TcpEndpoint {
  return { type: 'tcp', interface: endpoint.interface ?? configDefaults.interface, port: resolvePort(endpoint.port, child(at, 'port'), ctx) };
}

function mapDynamic(auth: CrossbarDynamicAuth, at: string, ctx: MapContext): DynamicAuthConfig {
  const realm = auth['authenticator-realm'];
  if (realm === undefined) return { type: 'dynamic', authenticator: auth.authenticator };
  if (!ctx.realmNames.includes(realm)) {
    throw new ConfigInvalidError(`expected one of the configured realms (${listOf(ctx.realmNames)}), got ${describeValue(realm, [])}`, child(at, 'authenticator-realm'));
  }
  return { type: 'dynamic', authenticator: auth.authenticator, authenticatorRealm: realm };
}

type StaticCraUser = { secret: string; role: string; salt?: string | undefined; iterations?: number | undefined; keylen?: number | undefined };

function mapCraUser(user: StaticCraUser, at: string, ctx: MapContext): WampCraUser {
  const secret = resolveSecret(user.secret, child(at, 'secret'), ctx);
  if (user.salt === undefined) {
    for (const key of ['iterations', 'keylen'] as const) {
      if (user[key] !== undefined) throw new ConfigInvalidError(`'${key}' only applies to salted users: add a 'salt' or remove it`, child(at, key));
    }
    return { secret, role: user.role };
  }
  const iterations = user.iterations ?? configDefaults.craIterations;
  const keylen = user.keylen ?? configDefaults.craKeylen;
  for (const [key, value] of [['iterations', iterations], ['keylen', keylen]] as const) {
    const { min, max } = SALT_LIMITS[key];
    if (value < min || value > max) {
      throw new ConfigInvalidError(`expected an integer from ${min} to ${max}, got ${describeValue(value, [])}`, child(at, key));
    }
  }
  return { secret, role: user.role, salt: user.salt, iterations, keylen };
}

export function mapAuth(auth: CrossbarAuth, at: string, ctx: MapContext): TransportAuthConfig {
  const { anonymous, ticket, wampcra } = auth;
  if (!anonymous && !ticket && !wampcra) {
    throw new ConfigInvalidError("expected at least one of 'anonymous', 'ticket' or 'wampcra': an empty auth block lets nobody in", at);
  }
  const out: { -readonly [K in keyof TransportAuthConfig]: TransportAuthConfig[K] } = {};
  if (anonymous) {
    out.anonymous = anonymous.type === 'dynamic'
      ? mapDynamic(anonymous, child(at, 'anonymous'), ctx)
      : { type: 'static', role: anonymous.role ?? configDefaults.anonymousRole };
  }
  if (ticket) {
    const ticketAt = child(at, 'ticket');
    out.ticket = ticket.type === 'dynamic' ? mapDynamic(ticket, ticketAt, ctx) : {
      type: 'static',
      principals: dict(Object.entries(ticket.principals).map(([authid, p]): [string, TicketPrincipal] => {
        const principalAt = child(child(ticketAt, 'principals'), authid);
        return [authid, { ticket: resolveSecret(p.ticket, child(principalAt, 'ticket'), ctx), role: p.role }];
      })),
    };
  }
  if (wampcra) {
    const craAt = child(at, 'wampcra');
    out.wampcra = wampcra.type === 'dynamic' ? mapDynamic(wampcra, craAt, ctx) : {
      type: 'static',
      users: dict(Object.entries(wampcra.users).map(([authid, user]): [string, WampCraUser] =>
        [authid, mapCraUser(user, child(child(craAt, 'users'), authid), ctx)])),
    };
  }
  return out;
}

function mapWebSocket(service: Omit<CrossbarWebSocketService, 'type'>, path: string, at: string, ctx: MapContext): WebSocketServiceConfig {
  const options = service.options ?? {};
  const mapped: WebSocketServiceConfig = {
    type: 'websocket',
    path,
    serializers: [...new Set(service.serializers ?? configDefaults.serializers)],
    options: {
      maxMessageSize: options.max_message_size ?? configDefaults.maxMessageSize,
      autoPingInterval: options.auto_ping_interval ?? configDefaults.autoPingInterval,
      autoPingTimeout: options.auto_ping_timeout ?? configDefaults.autoPingTimeout,
      ...(options.allowed_origins === undefined ? {} : { allowedOrigins: [...new Set(options.allowed_origins)] }),
      ...(options.allow_null_origin === undefined ? {} : { allowNullOrigin: options.allow_null_origin }),
    },
  };
  return service.auth ? { ...mapped, auth: mapAuth(service.auth, child(at, 'auth'), ctx) } : mapped;
}

/**
 * Long-poll defaults: Crossbar's request_timeout (10 s, below autobahn-js's 12 s client timeout) and
 * session_timeout (30 s); Crossbar's 128 KiB queue limit is raised (it never enforced it).
 */
export const LONGPOLL_DEFAULTS = {
  requestTimeoutSeconds: 10,
  sessionTimeoutSeconds: 30,
  queueLimitBytes: 4 * 1024 * 1024,
} as const;

function mapLongPoll(service: CrossbarLongPollService, path: string, at: string, ctx: MapContext): LongPollServiceConfig {
  const options = service.options ?? {};
  const mapped: LongPollServiceConfig = {
    type: 'longpoll',
    path,
    serializers: [...new Set(service.serializers ?? configDefaults.serializers)],
    options: {
      requestTimeout: (options.request_timeout ?? LONGPOLL_DEFAULTS.requestTimeoutSeconds) * 1000,
      sessionTimeout: (options.session_timeout ?? LONGPOLL_DEFAULTS.sessionTimeoutSeconds) * 1000,
      maxMessageSize: options.max_message_size ?? configDefaults.maxMessageSize,
      queueLimitBytes: options.queue_limit_bytes ?? LONGPOLL_DEFAULTS.queueLimitBytes,
      allowedOrigins: [...new Set(options.allowed_origins ?? [])],
    },
  };
  return service.auth ? { ...mapped, auth: mapAuth(service.auth, child(at, 'auth'), ctx) } : mapped;
}

/** RawSocket limits: a handshake announces at most 2^24 octets; Crossbar has no connection limit. */
export const RAWSOCKET_DEFAULTS = {
  maxMessageSize: 16 * 1024 * 1024,
  maxConnections: 10_000,
} as const;

function mapRawSocket(transport: CrossbarRawSocketTransport, at: string, ctx: MapContext): RawSocketTransportConfig {
  const { endpoint: raw } = transport;
  // Crossbar joins a Unix socket path to the node directory (the one holding config.json).
  const endpoint = raw.type === 'tcp'
    ? mapEndpoint(raw, child(at, 'endpoint'), ctx)
    : { type: 'unix' as const, path: ctx.baseDir === undefined ? raw.path : resolve(ctx.baseDir, raw.path) };
  const mapped: RawSocketTransportConfig = {
    type: 'rawsocket',
    endpoint,
    serializers: [...new Set(transport.serializers ?? configDefaults.serializers)],
    options: {
      maxMessageSize: Math.min(transport.options?.max_message_size ?? RAWSOCKET_DEFAULTS.maxMessageSize, RAWSOCKET_DEFAULTS.maxMessageSize),
      maxConnections: RAWSOCKET_DEFAULTS.maxConnections,
    },
  };
  return transport.auth ? { ...mapped, auth: mapAuth(transport.auth, child(at, 'auth'), ctx) } : mapped;
}

export function mapTransport(transport: CrossbarTransport, at: string, ctx: MapContext): TransportConfig {
  if (transport.type === 'rawsocket') return mapRawSocket(transport, at, ctx);
  return mapHttp(transport, at, ctx);
}

function mapHttp(transport: Exclude<CrossbarTransport, CrossbarRawSocketTransport>, at: string, ctx: MapContext): HttpTransportConfig {
  const endpoint = mapEndpoint(transport.endpoint, child(at, 'endpoint'), ctx);
  if (transport.type === 'websocket') {
    return { type: 'http', endpoint, services: [mapWebSocket(transport, '/', at, ctx)] };
  }
  const entries = Object.entries(transport.paths);
  if (entries.length === 0) throw new ConfigInvalidError('expected at least one path service, got {} (object)', child(at, 'paths'));
  const services = entries.map(([key, service]): WebServiceConfig => {
    const path = key === '/' ? '/' : `/${key}`;
    if (service.type === 'websocket') return mapWebSocket(service, path, child(child(at, 'paths'), key), ctx);
    if (service.type === 'longpoll') return mapLongPoll(service, path, child(child(at, 'paths'), key), ctx);
    const directory = ctx.baseDir === undefined ? service.directory : resolve(ctx.baseDir, service.directory);
    return { type: 'static', path, directory } satisfies StaticServiceConfig;
  });
  return { type: 'http', endpoint, services };
}
