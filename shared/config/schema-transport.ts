/**
 * Router transports (checkconfig.py `check_router_transport` and friends): `websocket` and `web`
 * (static files, WebSocket and long-poll path services) on TCP endpoints; `rawsocket` on TCP or Unix
 * socket endpoints. Universal comes in a later release; TLS and the other Crossbar services are unsupported.
 */
import { z } from 'zod';
import type { SerializerId } from '../serializers/serializer.ts';
import { unsupportedIssue } from './issues.ts';
import { authSchema } from './schema-auth.ts';
import { ENV_PORT_REF, intRange, itemIdSchema, onlyDefault, unsupportedKey, unsupportedKeys, unsupportedType } from './schema-common.ts';

const PORT = 'expected a port number from 0 to 65535 (0 = any free port) or "$ENV_VAR"';
const MS = 'expected 0 or a number of milliseconds from 1000 to 2147483647';
const MiB = 1024 * 1024;

const tcpEndpointSchema = z.strictObject({
  type: z.literal('tcp'),
  port: z.union([
    z.int({ error: PORT }).min(0, { error: PORT }).max(65535, { error: PORT }),
    z.string().regex(ENV_PORT_REF, { error: PORT }),
  ], { error: PORT }),
  interface: z.string().min(1).optional(),
  /** Validated like Crossbar (1..65535) but not applied: Node's listen backlog default is used. */
  backlog: intRange(1, 65535).optional(),
  shared: onlyDefault(false, 'shared (SO_REUSEPORT) endpoints are not supported: asexor binds its ports exclusively').optional(),
  version: unsupportedKey("'version' is not supported: set 'interface' to an IPv6 address such as '::1' instead"),
  portrange: unsupportedKey("'portrange' is not supported: give a 'port' (0 = any free port)"),
  tls: unsupportedKey('TLS endpoints are not supported: terminate TLS in a reverse proxy in front of asexor'),
});

const endpointSchema = z.discriminatedUnion('type', [
  tcpEndpointSchema,
  unsupportedType(['unix'], () => 'Unix socket endpoints are not supported for WebSocket and Web transports'),
  unsupportedType(['twisted', 'onion'], (type) => `'${type}' endpoints are not supported`),
], { error: "expected 'tcp'" });

/** checkconfig.py `check_listening_endpoint_unix`; only RawSocket transports listen on Unix sockets. */
const unixEndpointSchema = z.strictObject({
  type: z.literal('unix'),
  /** Relative to the config file's directory, as Crossbar resolves it against the node directory. */
  path: z.string().min(1),
  /** Validated like Crossbar (1..65535) but not applied: Node's listen backlog default is used. */
  backlog: intRange(1, 65535).optional(),
});

const rawSocketEndpointSchema = z.discriminatedUnion('type', [
  tcpEndpointSchema,
  unixEndpointSchema,
  unsupportedType(['twisted', 'onion'], (type) => `'${type}' endpoints are not supported`),
], { error: "expected 'tcp' or 'unix'" });

const SUPPORTED_SERIALIZERS: readonly string[] = ['json', 'msgpack', 'cbor'] satisfies SerializerId[];
const serializerSchema = z.enum(['json', 'msgpack', 'cbor', 'ubjson', 'flatbuffers'], {
  error: "expected 'json', 'msgpack' or 'cbor'",
}).transform((value, ctx): SerializerId => {
  if (SUPPORTED_SERIALIZERS.includes(value)) return value as SerializerId;
  ctx.addIssue(unsupportedIssue(`serializer '${value}' is not supported: use 'json', 'msgpack' or 'cbor'`));
  return z.NEVER;
});

/**
 * checkconfig.py `check_rawsocket_options`. Crossbar allows up to 64 MiB, but a RawSocket handshake
 * cannot announce more than 16 MiB (nor less than 512 octets): larger values mean 16 MiB.
 */
const rawSocketOptionsSchema = z.strictObject({
  max_message_size: intRange(512, 64 * MiB).optional(),
});

/** checkconfig.py `check_listening_transport_rawsocket` */
const rawSocketTransportSchema = z.strictObject({
  type: z.literal('rawsocket'),
  id: itemIdSchema.optional(),
  endpoint: rawSocketEndpointSchema,
  serializers: z.array(serializerSchema).min(1).optional(),
  /** Accepted and ignored: use ASEXOR_LOG_LEVEL=debug for per-message logs. */
  debug: z.boolean().optional(),
  options: rawSocketOptionsSchema.optional(),
  auth: authSchema.optional(),
});

const milliseconds = z.int({ error: MS }).min(0, { error: MS }).max(2 ** 31 - 1, { error: MS })
  .refine((ms) => ms === 0 || ms >= 1000, { error: MS }); // checkconfig.py _check_milliseconds

const UNSUPPORTED_WS_OPTIONS = [
  'external_port', 'enable_hybi10', 'enable_rfc6455',
  'open_handshake_timeout', 'close_handshake_timeout', 'enable_webstatus', 'validate_utf8',
  'mask_server_frames', 'require_masked_client_frames', 'apply_mask', 'max_frame_size',
  'auto_fragment_size', 'fail_by_drop', 'echo_close_codereason', 'tcp_nodelay', 'enable_flash_policy',
  'flash_policy', 'compression', 'show_server_version',
] as const;

const webSocketOptionsSchema = z.strictObject({
  max_message_size: intRange(1, 64 * MiB).optional(),
  auto_ping_interval: milliseconds.optional(),
  auto_ping_timeout: milliseconds.optional(),
  /** Validated like Crossbar (4..125) but not applied: asexor's ping payload size is fixed. */
  auto_ping_size: intRange(4, 125).optional(),
  require_websocket_subprotocol: onlyDefault(true,
    'require_websocket_subprotocol: false is not supported: clients must offer a wamp.2.* subprotocol').optional(),
  /** Origin patterns with `*` wildcards, e.g. 'https://*.example.com' (router/transports/origin-policy.ts). */
  allowed_origins: z.array(z.string().trim().min(1, { error: "expected an origin pattern such as 'https://*.example.com'" })
    .refine((pattern) => !/\s/.test(pattern), { error: 'expected an origin pattern without whitespace' })).optional(),
  allow_null_origin: z.boolean().optional(),
  ...unsupportedKeys(UNSUPPORTED_WS_OPTIONS, (key) => `WebSocket option '${key}' is not supported`),
});

/** Fields shared by a `websocket` transport and a `websocket` path service of a `web` transport. */
const webSocketFields = {
  id: itemIdSchema.optional(),
  /** Accepted and ignored: Crossbar uses it only to describe the public URL. */
  url: z.url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' }).optional(),
  serializers: z.array(serializerSchema).min(1).optional(),
  /** Accepted and ignored: use ASEXOR_LOG_LEVEL=debug for per-message logs. */
  debug: z.boolean().optional(),
  options: webSocketOptionsSchema.optional(),
  auth: authSchema.optional(),
  cookie: unsupportedKey('cookie tracking is not supported'),
};

const webSocketTransportSchema = z.strictObject({ type: z.literal('websocket'), endpoint: endpointSchema, ...webSocketFields });

const staticServiceSchema = z.strictObject({
  type: z.literal('static'),
  id: itemIdSchema.optional(),
  package: unsupportedKey("serving a Python package's resources is not supported: use 'directory'"),
  resource: unsupportedKey("serving a Python package's resources is not supported: use 'directory'"),
  options: unsupportedKey('static service options (enable_directory_listing, mime_types, cache_timeout, default_file) are not supported'),
  /** Relative to the config file's directory, as Crossbar resolves it against the node directory. */
  directory: z.string().min(1),
});

const webSocketServiceSchema = z.strictObject({ type: z.literal('websocket'), ...webSocketFields });

/** An exact browser origin: scheme, host and optional port, as a browser sends it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * checkconfig.py `check_web_path_service_longpoll` options (timeouts in seconds, 0 = none), plus two
 * asexor extensions a Crossbar node rejects: `max_message_size` and `allowed_origins` (CORS).
 */
const longPollOptionsSchema = z.strictObject({
  request_timeout: intRange(0, 3600).optional(),
  session_timeout: intRange(0, 86400).optional(),
  queue_limit_bytes: intRange(0, 1024 * MiB).transform((bytes, ctx) => {
    if (bytes > 0) return bytes;
    ctx.addIssue(unsupportedIssue('queue_limit_bytes: 0 (no limit) is not supported: give a limit in bytes'));
    return z.NEVER;
  }).optional(),
  /** Validated like Crossbar but not applied: the queue is bounded in bytes (queue_limit_bytes). */
  queue_limit_messages: intRange(0, 1_000_000).optional(),
  /** Accepted and ignored: use ASEXOR_LOG_LEVEL=debug for per-request logs. */
  debug: z.boolean().optional(),
  debug_transport_id: unsupportedKey('debug_transport_id is not supported: transport ids are random so that they cannot be guessed'),
  max_message_size: intRange(1, 64 * MiB).optional(),
  allowed_origins: z.array(z.string().refine(isOrigin, {
    error: "expected an exact origin such as 'https://app.example.com' (scheme, host, optional port; no path, no wildcard)",
  })).optional(),
});

/** Crossbar's long-poll service has only `options`; `serializers` and `auth` are asexor extensions. */
const longPollServiceSchema = z.strictObject({
  type: z.literal('longpoll'),
  id: itemIdSchema.optional(),
  options: longPollOptionsSchema.optional(),
  serializers: z.array(serializerSchema).min(1).optional(),
  auth: authSchema.optional(),
});

const pathServiceSchema = z.discriminatedUnion('type', [
  staticServiceSchema,
  webSocketServiceSchema,
  longPollServiceSchema,
  unsupportedType(['none', 'path', 'redirect', 'resource', 'reverseproxy', 'websocket-reverseproxy', 'nodeinfo', 'json',
    'cgi', 'wsgi', 'caller', 'publisher', 'webhook', 'archive', 'wap'], (type) => `Web service type '${type}' is not supported`),
], { error: "expected 'static', 'websocket' or 'longpoll'" });

/** checkconfig.py `_WEB_PATH_PAT_STR` */
const pathKey = z.string().regex(/^([a-z0-9A-Z_-]+|\/)$/, {
  error: "expected '/' or one path segment of A-Z, a-z, 0-9, _ and -",
});

const webOptionsSchema = z.strictObject(unsupportedKeys(
  ['access_log', 'display_tracebacks', 'hsts', 'hsts_max_age', 'client_timeout'],
  (key) => `Web transport option '${key}' is not supported`,
));

const webTransportSchema = z.strictObject({
  type: z.literal('web'),
  id: itemIdSchema.optional(),
  endpoint: endpointSchema,
  paths: z.record(pathKey, pathServiceSchema),
  options: webOptionsSchema.optional(),
});

export const transportSchema = z.discriminatedUnion('type', [
  webSocketTransportSchema,
  webTransportSchema,
  rawSocketTransportSchema,
  unsupportedType(['universal'], (type) => `'${type}' transports are not supported yet: they come in a later release of asexor`),
  unsupportedType(['mqtt', 'flashpolicy', 'websocket.testee', 'stream.testee'], (type) => `'${type}' transports are not supported`),
], { error: "expected 'websocket', 'web' or 'rawsocket'" });

export type CrossbarTransport = z.output<typeof transportSchema>;
export type CrossbarTcpEndpoint = z.output<typeof tcpEndpointSchema>;
export type CrossbarRawSocketTransport = z.output<typeof rawSocketTransportSchema>;
export type CrossbarWebSocketService = z.output<typeof webSocketServiceSchema>;
export type CrossbarWebSocketOptions = z.output<typeof webSocketOptionsSchema>;
export type CrossbarLongPollService = z.output<typeof longPollServiceSchema>;
export type { CrossbarAuth } from './schema-auth.ts';
