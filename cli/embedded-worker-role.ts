/**
 * The role the embedded worker of `asexor serve` joins with. The worker is part of the server, so a
 * config need not define a role for it:
 * - the worker's realm defines a role `worker` (crossbar-config/config.json, the built-in defaults):
 *   the worker uses it, with the permissions the config gives it (a deployment that later moves the
 *   worker out, `asexor worker --url`, keeps the same config);
 * - it does not: the server adds an internal role to the realm it builds the router from, with the
 *   permissions the worker needs (register `<prefix>.task.`, `.control.`, `.files.`, `.auth.`; publish
 *   and subscribe `<prefix>.status.`; everything on `<prefix>.worker.` and `wamp.session.on_leave` for
 *   the other workers of the realm; the original ASEXOR's procedure and topic). Its name is random per process, so
 *   no configured principal or dynamic authenticator can ever be given it: only the worker's own
 *   principal, which exists only on the worker's in-process pair (worker/index.ts), has it.
 * An external worker still needs a role in the router's config.
 */
import { randomBytes } from 'node:crypto';
import type { PermissionConfig, RealmConfig, RouterConfig } from '../shared/config/types.ts';
import { ConfigInvalidError } from '../shared/errors.ts';
import { WORKER_ROLE, type WorkerSettings } from '../worker/index.ts';

export interface EmbeddedWorkerRealms {
  /** The realms to build the router from (the config's, with the internal role added if needed). */
  readonly realms: readonly RealmConfig[];
  /** The role of the worker's principal. */
  readonly role: string;
}

function permission(uri: string, match: 'prefix' | 'exact', allow: Partial<PermissionConfig['allow']>): PermissionConfig {
  return {
    uri, match, cache: true, disclose: { caller: false, publisher: false },
    allow: { call: false, register: false, publish: false, subscribe: false, ...allow },
  };
}

/** What the worker registers and publishes (worker/worker.ts, worker/status-publisher.ts, worker/legacy-wamp-api.ts). */
export function embeddedWorkerPermissions(settings: WorkerSettings): PermissionConfig[] {
  const prefix = settings.uriPrefix;
  const { procedure, topic } = settings.legacy.wampApi;
  return [
    permission(`${prefix}.task.`, 'prefix', { register: true }),
    permission(`${prefix}.control.`, 'prefix', { register: true }),
    permission(`${prefix}.files.`, 'prefix', { register: true }),
    permission(`${prefix}.auth.`, 'prefix', { register: true }),
    permission(`${prefix}.status.`, 'prefix', { publish: true, subscribe: true }),
    // Several workers on one realm (worker/cluster/, docs/many-workers.md).
    permission(`${prefix}.worker.`, 'prefix', { call: true, register: true, publish: true, subscribe: true }),
    permission('wamp.session.on_leave', 'exact', { subscribe: true }),
    permission(procedure, 'exact', { register: true }),
    permission(topic, 'exact', { publish: true }),
  ];
}

/** The worker's realm must exist; the worker's role is the config's `worker` role or an internal one. */
export function embeddedWorkerRealms(config: RouterConfig, settings: WorkerSettings): EmbeddedWorkerRealms {
  const realm = config.realms.find((r) => r.name === settings.realm);
  if (realm === undefined) {
    throw new ConfigInvalidError(`the worker's realm "${settings.realm}" is not configured (realms: ${config.realms.map((r) => r.name).join(', ') || 'none'})`, '$.asexor.realm');
  }
  if (realm.roles.some((role) => role.name === WORKER_ROLE)) return { realms: config.realms, role: WORKER_ROLE };
  const role = `asexor-embedded-worker-${randomBytes(8).toString('hex')}`;
  const withRole: RealmConfig = { ...realm, roles: [...realm.roles, { name: role, permissions: embeddedWorkerPermissions(settings) }] };
  return { realms: config.realms.map((r) => (r === realm ? withRole : r)), role };
}
