/**
 * The worker's settings: the top-level `asexor` section of a config file (shared/config/load.ts hands
 * it over untouched). Validated by a strict zod schema (an unknown key is an error naming its JSON
 * path, `$.asexor.…`), defaults in one literal, resolved once and frozen (docs/conventions.md). Relative paths
 * resolve against the config file's directory (the working directory when there is no file).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { expectationMessage, issueToError } from '../shared/config/issues.ts';
import { ENV_SECRET_REF, realmNameSchema, uriSchema } from '../shared/config/schema-common.ts';
import { ConfigInvalidError } from '../shared/errors.ts';
import { legacySettingsSchema, resolveLegacySettings, type LegacySettings } from '../shared/legacy/settings.ts';
import { DEFAULT_URI_PREFIX } from '../shared/wamp/app-uris.ts';
import { filesSettingsDefaults, type FilesSettings } from './files-user.ts';
import { resolveStoreSettings, storeSettingsSchema, type StoreSettings } from './journal/store-settings.ts';
import type { SpawnerChoice } from './spawner/backend.ts';
import { DEFAULT_TASK_MODULE } from './task-registry.ts';

export type ShutdownMode = 'drain' | 'cancel';

/** The defaults of every setting (docs/worker.md, "The worker: serve, CLI, WAMP API", lists them; test/unit/worker/worker-settings.test.ts checks them). */
export const workerSettingsDefaults = {
  /** Realm the embedded worker joins. */
  realm: 'asexor',
  /** First URI component of every procedure, topic and error. */
  uriPrefix: DEFAULT_URI_PREFIX,
  /** Tasks running at once: @default os.availableParallelism() (computed at resolve time) */
  maxQueued: 10_000,
  perUserMaxQueued: 1000,
  /** Bytes of params (counted as JSON) waiting tasks may hold, in all and per user (docs/input-limits.md). */
  maxQueuedBytes: 64 * 1024 * 1024,
  perUserMaxQueuedBytes: 4 * 1024 * 1024,
  defaultPriority: 4,
  adminRoles: ['admin'] as readonly string[],
  historyPerUser: 100,
  /** Relative to the config file's directory. */
  filesDir: 'files',
  shutdown: 'cancel' as ShutdownMode,
  /** Which spawner runs task processes; the environment variable ASEXOR_SPAWNER overrides it. */
  spawner: 'auto' as SpawnerChoice,
  /** Largest file `files.upload` accepts, decoded bytes (the base64 must fit in one 16 MiB WAMP message). */
  maxUploadBytes: 8 * 1024 * 1024,
  /** Lifetime of a `files.link` download URL, seconds. */
  fileLinkSeconds: 300,
  /** `files` (worker/files-user.ts, docs/files.md): every role in a folder of its own, no quota. */
  files: filesSettingsDefaults,
  /** Prometheus metrics (worker/metrics.ts, docs/metrics.md): on, at this path of every HTTP listener. */
  metricsEnabled: true,
  metricsPath: '/metrics',
  /** Interface of the metrics' own listener (`metrics.listen`), when one is configured. */
  metricsInterface: '127.0.0.1',
  /** Several workers on one realm (worker/cluster/, docs/many-workers.md): how long a worker that left may take to come back before another worker ends its tasks, ms. */
  clusterLostGraceMs: 15_000,
  /** How long a control call forwarded to the worker holding a task may take, ms. */
  clusterForwardTimeoutMs: 5000,
} as const;

/** base64 of this many bytes is 16 MB, leaving room for the rest of the CALL under a 16 MiB message limit. */
export const MAX_UPLOAD_BYTES_LIMIT = 12_000_000;

const limit = z.int().min(1);
const priority = z.int().min(0).max(9);

export const workerSettingsSchema = z.strictObject({
  realm: realmNameSchema.optional(),
  uriPrefix: uriSchema.optional(),
  concurrency: z.int().min(1).max(4096).optional(),
  maxQueued: limit.optional(),
  maxQueuedBytes: limit.optional(),
  perUser: z.strictObject({ maxQueued: limit.optional(), maxRunning: limit.optional(), maxQueuedBytes: limit.optional() }).optional(),
  rolePriority: z.record(z.string().min(1), priority).optional(),
  defaultPriority: priority.optional(),
  adminRoles: z.array(z.string().min(1)).optional(),
  historyPerUser: z.int().min(1).max(100_000).optional(),
  filesDir: z.string().min(1).optional(),
  tasksModule: z.string().min(1).optional(),
  shutdown: z.enum(['drain', 'cancel']).optional(),
  spawner: z.enum(['auto', 'native', 'node']).optional(),
  maxUploadBytes: z.int().min(1).max(MAX_UPLOAD_BYTES_LIMIT).optional(),
  fileLinkSeconds: z.int().min(1).max(86_400).optional(),
  files: z.strictObject({
    /** Roles that work in the shared top folder (which holds every user's folder) instead of a folder of their own. */
    sharedRoles: z.array(z.string().min(1)).optional(),
    /** Most bytes a user's folder may hold; null = no quota. */
    quotaBytes: z.int().min(1).nullable().optional(),
  }).optional(),
  legacy: legacySettingsSchema.optional(),
  store: storeSettingsSchema.optional(),
  cluster: z.strictObject({
    lostGraceMs: z.int().min(0).max(86_400_000).optional(),
    forwardTimeoutMs: z.int().min(100).max(600_000).optional(),
  }).optional(),
  metrics: z.strictObject({
    enabled: z.boolean().optional(),
    path: z.string().regex(/^\/[^?#\s]*$/, { error: 'Expected a path starting with "/"' }).optional(),
    /** A bearer token scrapes must send; "${ENV_VAR}" reads it from the environment. */
    token: z.string().min(1).optional(),
    /** A listener of its own (`asexor worker` has no other). */
    listen: z.strictObject({ interface: z.string().min(1).optional(), port: z.int().min(0).max(65535) }).optional(),
  }).optional(),
});

export interface WorkerSettings {
  readonly realm: string;
  readonly uriPrefix: string;
  readonly concurrency: number;
  readonly maxQueued: number;
  /** Bytes of params all waiting tasks may hold (docs/input-limits.md). */
  readonly maxQueuedBytes: number;
  readonly perUser: { readonly maxQueued: number; readonly maxRunning: number; readonly maxQueuedBytes: number };
  readonly rolePriority: Readonly<Record<string, number>>;
  readonly defaultPriority: number;
  readonly adminRoles: readonly string[];
  readonly historyPerUser: number;
  /** Absolute. */
  readonly filesDir: string;
  /** Absolute path of the task module. */
  readonly tasksModule: string;
  /** What SIGINT/SIGTERM does with running tasks: wait for them, or cancel them. */
  readonly shutdown: ShutdownMode;
  /** `native` (the C helper), `node` (the Node spawner) or `auto` (native when built, else node). */
  readonly spawner: SpawnerChoice;
  /** Largest `files.upload`, decoded bytes. */
  readonly maxUploadBytes: number;
  /** Lifetime of a `files.link` URL, seconds. */
  readonly fileLinkSeconds: number;
  /** Per-user folders and quota (worker/files-user.ts, docs/files.md). */
  readonly files: FilesSettings;
  /** The original ASEXOR's protocols (shared/legacy/settings.ts): bridges run by the server, the WAMP API by the worker. */
  readonly legacy: LegacySettings;
  /** The task journal (worker/journal/store-settings.ts, docs/durability.md): an SQLite file by default. */
  readonly store: StoreSettings;
  readonly metrics: MetricsSettings;
  /** Several workers on one realm (docs/many-workers.md). */
  readonly cluster: ClusterSettings;
}

/** Several workers on one realm (worker/cluster/, docs/many-workers.md). */
export interface ClusterSettings {
  /** A worker that left may come back within this long (ms) before a surviving worker ends its tasks. */
  readonly lostGraceMs: number;
  /** A control call forwarded to the worker that holds the task fails after this long (ms). */
  readonly forwardTimeoutMs: number;
}

/** Prometheus metrics (docs/metrics.md). */
export interface MetricsSettings {
  readonly enabled: boolean;
  /** Path on every HTTP listener of `serve`, and on `listen`. */
  readonly path: string;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** A listener of its own: the only way to scrape `asexor worker`. */
  readonly listen?: { readonly interface: string; readonly port: number };
}

type MetricsSection = z.infer<typeof workerSettingsSchema>['metrics'];

function resolveMetricsSettings(section: MetricsSection, env: NodeJS.ProcessEnv): MetricsSettings {
  const d = workerSettingsDefaults;
  let token = section?.token;
  const variable = token === undefined ? undefined : ENV_SECRET_REF.exec(token)?.[1];
  if (variable !== undefined) {
    token = env[variable];
    if (token === undefined || token === '') throw new ConfigInvalidError(`environment variable '${variable}' is not set or empty`, '$.asexor.metrics.token');
  }
  const listen = section?.listen;
  return Object.freeze({
    enabled: section?.enabled ?? d.metricsEnabled,
    path: section?.path ?? d.metricsPath,
    ...(token === undefined ? {} : { token }),
    ...(listen === undefined ? {} : { listen: Object.freeze({ interface: listen.interface ?? d.metricsInterface, port: listen.port }) }),
  });
}

/**
 * Validates an `asexor` section (undefined = all defaults) and resolves it; relative `filesDir` and
 * `tasksModule` resolve against `baseDir`. Throws ConfigInvalidError naming the JSON path.
 */
export function resolveWorkerSettings(section: unknown, options: { readonly baseDir: string }): WorkerSettings {
  const parsed = workerSettingsSchema.safeParse(section ?? {}, { reportInput: true, error: expectationMessage });
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    const error = first ? issueToError({ ...first, path: ['asexor', ...first.path] }) : undefined;
    throw error ?? new ConfigInvalidError('invalid worker settings', '$.asexor');
  }
  const s = parsed.data;
  const d = workerSettingsDefaults;
  const concurrency = s.concurrency ?? availableParallelism();
  return Object.freeze({
    realm: s.realm ?? d.realm,
    uriPrefix: s.uriPrefix ?? d.uriPrefix,
    concurrency,
    maxQueued: s.maxQueued ?? d.maxQueued,
    maxQueuedBytes: s.maxQueuedBytes ?? d.maxQueuedBytes,
    perUser: Object.freeze({
      maxQueued: s.perUser?.maxQueued ?? d.perUserMaxQueued, maxRunning: s.perUser?.maxRunning ?? concurrency,
      maxQueuedBytes: s.perUser?.maxQueuedBytes ?? d.perUserMaxQueuedBytes,
    }),
    rolePriority: Object.freeze({ ...s.rolePriority }),
    defaultPriority: s.defaultPriority ?? d.defaultPriority,
    adminRoles: Object.freeze([...(s.adminRoles ?? d.adminRoles)]),
    historyPerUser: s.historyPerUser ?? d.historyPerUser,
    filesDir: path.resolve(options.baseDir, s.filesDir ?? d.filesDir),
    tasksModule: s.tasksModule === undefined ? DEFAULT_TASK_MODULE : path.resolve(options.baseDir, s.tasksModule),
    shutdown: s.shutdown ?? d.shutdown,
    spawner: s.spawner ?? d.spawner,
    maxUploadBytes: s.maxUploadBytes ?? d.maxUploadBytes,
    fileLinkSeconds: s.fileLinkSeconds ?? d.fileLinkSeconds,
    files: Object.freeze({
      sharedRoles: Object.freeze([...(s.files?.sharedRoles ?? d.files.sharedRoles)]),
      quotaBytes: s.files?.quotaBytes === undefined ? d.files.quotaBytes : s.files.quotaBytes,
    }),
    legacy: resolveLegacySettings(s.legacy, options.baseDir),
    store: resolveStoreSettings(s.store, options.baseDir),
    metrics: resolveMetricsSettings(s.metrics, process.env),
    cluster: Object.freeze({
      lostGraceMs: s.cluster?.lostGraceMs ?? d.clusterLostGraceMs,
      forwardTimeoutMs: s.cluster?.forwardTimeoutMs ?? d.clusterForwardTimeoutMs,
    }),
  });
}
