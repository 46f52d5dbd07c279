/**
 * Router transports (checkconfig.py `check_router_transport` and friends): `websocket` and `web`
 * (static files + WebSocket path services) on TCP endpoints. RawSocket, universal and long-poll
 * come in a later release; TLS, Unix sockets and the other Crossbar services are unsupported.
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

const SUPPORTED_SERIALIZERS: readonly string[] = ['json', 'msgpack', 'cbor'] satisfies SerializerId[];
const serializerSchema = z.enum(['json', 'msgpack', 'cbor', 'ubjson', 'flatbuffers'], {
  error: "expected 'json', 'msgpack' or 'cbor'",
}).transform((value, ctx): SerializerId => {
  if (SUPPORTED_SERIALIZERS.includes(value)) return value as SerializerId;
  ctx.addIssue(unsupportedIssue(`serializer '${value}' is not supported: use 'json', 'msgpack' or 'cbor'`));
  return z.NEVER;
});

const milliseconds = z.int({ error: MS }).min(0, { error: MS }).max(2 ** 31 - 1, { error: MS })
  .refine((ms) => ms === 0 || ms >= 1000, { error: MS }); // checkconfig.py _check_milliseconds

const UNSUPPORTED_WS_OPTIONS = [
  'allowed_origins', 'allow_null_origin', 'external_port', 'enable_hybi10', 'enable_rfc6455',
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

const pathServiceSchema = z.discriminatedUnion('type', [
  staticServiceSchema,
  webSocketServiceSchema,
  unsupportedType(['longpoll'], () => 'WAMP long-poll arrives in a later release of asexor; it is not supported yet'),
  unsupportedType(['none', 'path', 'redirect', 'resource', 'reverseproxy', 'websocket-reverseproxy', 'nodeinfo', 'json',
    'cgi', 'wsgi', 'caller', 'publisher', 'webhook', 'archive', 'wap'], (type) => `Web service type '${type}' is not supported`),
], { error: "expected 'static' or 'websocket'" });

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
  unsupportedType(['rawsocket', 'universal'], (type) => `'${type}' transports are not supported yet: they come in a later release of asexor`),
  unsupportedType(['mqtt', 'flashpolicy', 'websocket.testee', 'stream.testee'], (type) => `'${type}' transports are not supported`),
], { error: "expected 'websocket' or 'web'" });

export type CrossbarTransport = z.output<typeof transportSchema>;
export type CrossbarTcpEndpoint = z.output<typeof tcpEndpointSchema>;
export type CrossbarWebSocketService = z.output<typeof webSocketServiceSchema>;
export type CrossbarWebSocketOptions = z.output<typeof webSocketOptionsSchema>;
export type { CrossbarAuth } from './schema-auth.ts';
