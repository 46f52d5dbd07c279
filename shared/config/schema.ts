/**
 * zod schemas for the subset of a Crossbar.io node config (`"version": 2`, as checked by
 * crossbar/common/checkconfig.py in 20.12) that asexor reads. Every object is strict: a key
 * Crossbar does not define is a ConfigInvalidError; a key or type Crossbar defines but asexor
 * does not implement is listed here explicitly and becomes a ConfigUnsupportedError, never
 * silently ignored. Cross-field rules and env lookups live in crossbar.ts.
 * Transports and endpoints: schema-transport.ts; auth blocks: schema-auth.ts; helpers: schema-common.ts.
 */
import { z } from 'zod';
import { unsupportedIssue } from './issues.ts';
import { intRange, itemIdSchema, realmNameSchema, unsupportedKey, unsupportedType, uriSchema } from './schema-common.ts';
import { transportSchema } from './schema-transport.ts';
import { CLIENT_ADDRESS_HEADERS, MAX_TRUSTED_PROXIES, PROXY_RANGE_EXPECTED, parseProxyRange } from './trusted-proxies.ts';

const permissionSchema = z.strictObject({
  uri: z.string(),
  match: z.enum(['exact', 'prefix', 'wildcard']).optional(),
  allow: z.strictObject({
    call: z.boolean().optional(),
    register: z.boolean().optional(),
    publish: z.boolean().optional(),
    subscribe: z.boolean().optional(),
  }).optional(),
  disclose: z.strictObject({ caller: z.boolean().optional(), publisher: z.boolean().optional() }).optional(),
  cache: z.boolean().optional(),
});

const roleSchema = z.strictObject({
  name: z.string().min(1),
  permissions: z.array(permissionSchema).optional(),
  authorizer: uriSchema.optional(),
});

const realmSchema = z.strictObject({
  name: realmNameSchema,
  roles: z.array(roleSchema).optional(),
  store: unsupportedKey('realm stores (event history, call queueing) are not supported'),
  options: unsupportedKey('realm options (enable_meta_api, bridge_meta_api, uri_check, event_dispatching_chunk_size) are not supported'),
});

const workerOptionsSchema = z.strictObject({
  /** Harmless: Crossbar's process title. Accepted and ignored. */
  title: z.string().optional(),
  /** Harmless: asexor runs no Python components, so the Python import path has no effect. */
  pythonpath: z.array(z.string()).optional(),
  /**
   * asexor extension (a real Crossbar rejects it): failed-login throttling, `false` to turn it off;
   * `window` and `backoff` in seconds (router/auth/login-throttle.ts, docs/fairness-and-abuse.md).
   */
  login_throttle: z.union([z.literal(false), z.strictObject({
    max_failures_per_authid: intRange(1, 1_000_000).optional(),
    max_failures_per_address: intRange(1, 1_000_000).optional(),
    window: intRange(1, 86_400).optional(),
    backoff: intRange(1, 86_400).optional(),
  })], { error: 'expected false or an object with max_failures_per_authid, max_failures_per_address, window and backoff (seconds)' }).optional(),
  /**
   * asexor extensions (a real Crossbar rejects them): the reverse proxies whose forwarding header is
   * believed, and which header they set (shared/config/trusted-proxies.ts, docs/fairness-and-abuse.md).
   */
  trusted_proxies: z.array(z.string().refine((entry) => parseProxyRange(entry) !== undefined, { error: PROXY_RANGE_EXPECTED }))
    .max(MAX_TRUSTED_PROXIES).optional(),
  client_address_header: z.enum(CLIENT_ADDRESS_HEADERS).optional(),
  python: unsupportedKey('a custom Python interpreter is meaningless for asexor'),
  extra: unsupportedKey('worker option "extra" is not supported'),
  cpu_affinity: unsupportedKey('CPU affinity is not supported'),
  env: unsupportedKey('a worker environment is not supported: set variables for the asexor process instead'),
  expose_controller: unsupportedKey('expose_controller (CrossbarFX) is not supported'),
  expose_shared: unsupportedKey('expose_shared (CrossbarFX) is not supported'),
  disabled: unsupportedKey('disabled workers are not supported: asexor runs exactly one router worker'),
});

const routerWorkerSchema = z.strictObject({
  type: z.literal('router'),
  id: itemIdSchema.optional(),
  options: workerOptionsSchema.optional(),
  realms: z.array(realmSchema).min(1),
  transports: z.array(transportSchema).min(1),
  components: z.array(z.unknown()).superRefine((components, ctx) => {
    if (components.length > 0) {
      ctx.addIssue(unsupportedIssue('router components (in-process Python components) are not supported: run them as separate WAMP clients'));
    }
  }).optional(),
  manhole: unsupportedKey('the manhole (SSH debug shell) is not supported'),
  connections: unsupportedKey('router connections are not supported'),
});

const workerSchema = z.discriminatedUnion('type', [
  routerWorkerSchema,
  unsupportedType(['container', 'guest', 'websocket-testee', 'proxy'], (type) =>
    `worker type '${type}' is not supported: asexor runs exactly one router worker (run components and guests as separate processes)`),
], { error: "expected 'router'" });

/** Only `{}` is accepted: asexor has no node controller to configure. */
const controllerSchema = z.strictObject({
  id: unsupportedKey('the node controller is not configurable in asexor (only an empty "controller" object is accepted)'),
  options: unsupportedKey('the node controller is not configurable in asexor (only an empty "controller" object is accepted)'),
  manhole: unsupportedKey('the manhole (SSH debug shell) is not supported'),
  connections: unsupportedKey('controller connections are not supported'),
});

export const crossbarConfigSchema = z.strictObject({
  /** Editor hint (JSON Schema URL); Crossbar allows it too. Ignored. */
  $schema: z.string().optional(),
  version: z.literal(2, { error: 'expected 2 (Crossbar.io node config version 2)' }),
  controller: controllerSchema.optional(),
  workers: z.array(workerSchema).min(1, { error: "expected exactly one worker of type 'router'" }),
  /** asexor's own section (worker settings). A real Crossbar rejects it: see crossbar-config/README.md. */
  asexor: z.record(z.string(), z.unknown()).optional(),
});

export type CrossbarConfig = z.output<typeof crossbarConfigSchema>;
export type CrossbarRouterWorker = z.output<typeof routerWorkerSchema>;
export type CrossbarRealm = z.output<typeof realmSchema>;
export type CrossbarRole = z.output<typeof roleSchema>;
export type CrossbarPermission = z.output<typeof permissionSchema>;
export type {
  CrossbarTransport, CrossbarTcpEndpoint, CrossbarWebSocketService, CrossbarAuth, CrossbarWebSocketOptions,
} from './schema-transport.ts';
