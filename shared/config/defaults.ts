/**
 * Defaults in one place: what a Crossbar config leaves out (`configDefaults`) and the whole router
 * config `asexor router` and `asexor serve` run without --config (`defaultRouterConfig`, the mapping
 * of crossbar-config/config-with-worker.json's router part, which is crossbar-config/config.json plus
 * the WAMP long-poll path `/lp`; test/unit/shared/config/defaults.test.ts keeps them equal).
 */
import { fileURLToPath } from 'node:url';
import { legacyDefaults } from '../legacy/settings.ts';
import type { SerializerId } from '../serializers/serializer.ts';
import { deepFreeze } from './freeze.ts';
import type { PermissionConfig, RouterConfig, TransportAuthConfig } from './types.ts';

export const configDefaults = {
  /** @default '127.0.0.1' DEVIATION: Crossbar binds all interfaces when `interface` is absent. */
  interface: '127.0.0.1',
  /** @default ['json', 'msgpack', 'cbor'] (Crossbar: every serializer it has, incl. ubjson) */
  serializers: ['json', 'msgpack', 'cbor'] as readonly SerializerId[],
  /** @default 16 MiB (Crossbar: 0 = unlimited) */
  maxMessageSize: 16 * 1024 * 1024,
  /** @default 30_000 ms (Crossbar: no pings) */
  autoPingInterval: 30_000,
  /** @default 10_000 ms (Crossbar: no timeout) */
  autoPingTimeout: 10_000,
  /** Role of static anonymous sessions without `role`. @default 'anonymous' (Crossbar's) */
  anonymousRole: 'anonymous',
  /** Permission `match` without a trailing '*' on `uri`. @default 'exact' (Crossbar's) */
  match: 'exact',
  /** Permission `cache`. @default false (Crossbar's RouterPermissions.from_dict) */
  cache: false,
  /** Salted WAMP-CRA user without `iterations`. @default 1000 (autobahn derive_key, Crossbar <= 23) */
  craIterations: 1000,
  /** Salted WAMP-CRA user without `keylen`. @default 32 (autobahn derive_key, Crossbar <= 23) */
  craKeylen: 32,
} as const;

function permission(uri: string, allow: Partial<PermissionConfig['allow']>, discloseCaller = false): PermissionConfig {
  return {
    uri,
    match: 'prefix',
    allow: { call: false, register: false, publish: false, subscribe: false, ...allow },
    disclose: { caller: discloseCaller, publisher: false },
    cache: configDefaults.cache,
  };
}

function exactPermission(uri: string, allow: Partial<PermissionConfig['allow']>): PermissionConfig {
  return { ...permission(uri, allow), match: 'exact' };
}

/** The demo credentials of `/ws` and `/lp` (crossbar-config/README.md). */
function demoAuth(): TransportAuthConfig {
  return {
    ticket: { type: 'static', principals: {
      demo: { ticket: 'demo-ticket', role: 'user' },
      worker: { ticket: 'worker-ticket', role: 'worker' },
    } },
    wampcra: { type: 'static', users: {
      demo: { secret: 'demo-secret', role: 'user' },
      // deriveKey('salted-secret', 'asexor-demo-salt', 1000, 32): the derived key, like Crossbar <= 23.
      salted: { secret: '35V0TSnZjUvtxw5Qw8JGkVws4ohMc956kjw5aAuuL3A=', role: 'user', salt: 'asexor-demo-salt', iterations: 1000, keylen: 32 },
    } },
  };
}

/**
 * Realm `asexor`; roles `user` (decided by the worker's `asexor.auth.authorize`: call tasks and
 * control, subscribe to the user's own status topic), `worker` (register them and the authorizer,
 * publish status; register and publish the original ASEXOR's WAMP API, which the worker serves only
 * when `asexor.legacy.wampApi.enabled`: docs/legacy-wamp-api.md) and `admin` (everything); one listener on 127.0.0.1:8484 serving web/ at
 * `/`, WAMP over WebSocket at `/ws` and WAMP over HTTP long-poll at `/lp` (for browsers where
 * WebSocket is blocked: web/vendor/autobahn.min.js, docs/web-vendor.md), both with the documented
 * demo credentials (crossbar-config/README.md). `/lp` uses asexor's long-poll extensions
 * (`serializers`, `auth`) that Crossbar rejects, so crossbar-config/config.json (which Crossbar also
 * runs) leaves it out. Anonymous sessions are not allowed. Deep-frozen, like a loaded config.
 */
export function defaultRouterConfig(): RouterConfig {
  return deepFreeze<RouterConfig>({
    realms: [{
      name: 'asexor',
      roles: [
        // The worker's dynamic authorizer: tasks and control with caller disclosure, and only the
        // user's own status topic (worker/authorize.ts).
        { name: 'user', authorizer: 'asexor.auth.authorize' },
        { name: 'worker', permissions: [
          permission('asexor.task.', { register: true }),
          permission('asexor.control.', { register: true }),
          permission('asexor.files.', { register: true }),
          permission('asexor.auth.', { register: true }),
          // Subscribe too: with several workers on the realm each keeps the others' open tasks (docs/many-workers.md).
          permission('asexor.status.', { publish: true, subscribe: true }),
          permission('asexor.worker.', { call: true, register: true, publish: true, subscribe: true }),
          exactPermission('wamp.session.on_leave', { subscribe: true }),
          exactPermission(legacyDefaults.wampApi.procedure, { register: true }),
          exactPermission(legacyDefaults.wampApi.topic, { publish: true }),
        ] },
        { name: 'admin', permissions: [
          permission('', { call: true, register: true, publish: true, subscribe: true }, true),
        ] },
      ],
    }],
    transports: [{
      type: 'http',
      endpoint: { type: 'tcp', interface: configDefaults.interface, port: 8484 },
      services: [
        { type: 'static', path: '/', directory: fileURLToPath(new URL('../../web', import.meta.url)) },
        {
          type: 'websocket',
          path: '/ws',
          serializers: [...configDefaults.serializers],
          options: {
            maxMessageSize: configDefaults.maxMessageSize,
            autoPingInterval: configDefaults.autoPingInterval,
            autoPingTimeout: configDefaults.autoPingTimeout,
          },
          auth: demoAuth(),
        },
        {
          type: 'longpoll',
          path: '/lp',
          serializers: ['json', 'msgpack'],
          // Crossbar's long-poll timeouts (LONGPOLL_DEFAULTS in shared/config/crossbar-transport.ts).
          options: {
            requestTimeout: 10_000,
            sessionTimeout: 30_000,
            maxMessageSize: configDefaults.maxMessageSize,
            queueLimitBytes: 4 * 1024 * 1024,
            allowedOrigins: [],
          },
          auth: demoAuth(),
        },
      ],
    }],
  });
}
