/**
 * `asexor.store`: where accepted tasks are kept (docs/durability.md, docs/queue-store.md). One of
 * - `{ type: 'sqlite', path, synchronous, retention: { maxTasks, maxAgeDays } }`: the journal of one
 *   worker (a file, relative to the config file's directory; `:memory:` is an SQLite database in
 *   memory, for tests);
 * - `{ type: 'memory' }`: nothing survives a restart;
 * - `{ type: 'postgres', schema, poolSize, leaseMs, heartbeatMs, retention }`: the queue every worker
 *   sharing the database pulls from. The connection never comes from the config file: `ASEXOR_PG_URL`
 *   (a libpq URL), else the standard `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE` that the
 *   `pg` client reads itself; neither is a ConfigInvalidError naming ASEXOR_PG_URL.
 * The environment variable ASEXOR_STORE=memory overrides the config (the test suite sets it,
 * test/helpers/root-hooks.ts).
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigInvalidError } from '../../shared/errors.ts';
import { SCHEMA_NAME } from '../store/postgres-schema.ts';

export type SynchronousMode = 'normal' | 'full';

/** The defaults (docs/worker.md, "The worker: serve, CLI, WAMP API"; test/unit/worker/journal/store-settings.test.ts). */
export const storeDefaults = {
  type: 'sqlite' as 'memory' | 'sqlite',
  /** Relative to the config file's directory (the working directory without one): `npm start` → ./asexor.db. */
  path: 'asexor.db',
  /** WAL + NORMAL survives a crash of the process (kill -9); `full` also survives an OS crash or power loss. */
  synchronous: 'normal' as SynchronousMode,
  /** Finished tasks kept in the journal (and in `control.history` after a restart). */
  maxTasks: 10_000,
  /** Finished tasks older than this are deleted. */
  maxAgeDays: 30,
} as const;

/** The defaults of `{ type: 'postgres' }` (docs/queue-store.md). */
export const postgresSettingsDefaults = {
  /** Several deployments may share one database under different schemas. */
  schema: 'asexor',
  /** Connections per worker for queue operations (the wake-up listener has one more). */
  poolSize: 4,
  /** A claimed task whose worker stopped renewing its lease this long is ended (or run again) by another worker. */
  leaseMs: 30_000,
  /** How often a worker renews the leases of its running tasks; at most half of `leaseMs`. */
  heartbeatMs: 10_000,
} as const;

/** The environment variable holding the PostgreSQL connection URL. */
export const PG_URL_ENV = 'ASEXOR_PG_URL';
/** The libpq variables `pg` reads when no URL is given; one of them set is enough to use them. */
const PG_ENV = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'] as const;

const retentionSchema = z.strictObject({
  maxTasks: z.int().min(1).max(10_000_000).optional(),
  maxAgeDays: z.number().positive().max(36_500).optional(),
}).optional();

export const storeSettingsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('memory') }),
  z.strictObject({
    type: z.literal('sqlite'),
    path: z.string().min(1).optional(),
    synchronous: z.enum(['normal', 'full']).optional(),
    retention: retentionSchema,
  }),
  z.strictObject({
    type: z.literal('postgres'),
    schema: z.string().regex(SCHEMA_NAME, 'lowercase letters, digits and underscores, at most 40, not starting with a digit').optional(),
    poolSize: z.int().min(1).max(100).optional(),
    leaseMs: z.int().min(500).max(3_600_000).optional(),
    heartbeatMs: z.int().min(100).max(1_800_000).optional(),
    retention: retentionSchema,
  }),
]);

export interface RetentionSettings {
  readonly maxTasks: number;
  readonly maxAgeDays: number;
}

export interface PostgresSettings {
  readonly type: 'postgres';
  /** `ASEXOR_PG_URL`, or undefined: `pg` reads the PG* variables itself. */
  readonly url: string | undefined;
  readonly schema: string;
  readonly poolSize: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly retention: RetentionSettings;
}

export type StoreSettings =
  | { readonly type: 'memory' }
  | { readonly type: 'sqlite'; readonly path: string; readonly synchronous: SynchronousMode; readonly retention: RetentionSettings }
  | PostgresSettings;

type RetentionSection = z.infer<typeof retentionSchema>;

function resolveRetention(section: RetentionSection): RetentionSettings {
  return Object.freeze({ maxTasks: section?.maxTasks ?? storeDefaults.maxTasks, maxAgeDays: section?.maxAgeDays ?? storeDefaults.maxAgeDays });
}

function resolvePostgres(section: Extract<z.infer<typeof storeSettingsSchema>, { type: 'postgres' }>, env: NodeJS.ProcessEnv): PostgresSettings {
  const url = env[PG_URL_ENV];
  if ((url === undefined || url === '') && !PG_ENV.some((name) => (env[name] ?? '') !== '')) {
    throw new ConfigInvalidError(`asexor.store.type "postgres" needs the connection in the environment: set ${PG_URL_ENV} (a postgresql:// URL) or the PGHOST/PGUSER/PGDATABASE variables; it is never read from the config file`, PG_URL_ENV);
  }
  const d = postgresSettingsDefaults;
  const leaseMs = section.leaseMs ?? d.leaseMs;
  const heartbeatMs = section.heartbeatMs ?? Math.min(d.heartbeatMs, Math.floor(leaseMs / 3));
  if (heartbeatMs * 2 > leaseMs) {
    throw new ConfigInvalidError(`Expected heartbeatMs (${heartbeatMs}) to be at most half of leaseMs (${leaseMs}): a lease must survive a late heartbeat`, '$.asexor.store.heartbeatMs');
  }
  return Object.freeze({
    type: 'postgres', url: url === undefined || url === '' ? undefined : url, schema: section.schema ?? d.schema,
    poolSize: section.poolSize ?? d.poolSize, leaseMs, heartbeatMs, retention: resolveRetention(section.retention),
  });
}

/** The validated `asexor.store` section (undefined = defaults) → settings; `path` made absolute against `baseDir`. */
export function resolveStoreSettings(section: z.infer<typeof storeSettingsSchema> | undefined, baseDir: string, env: NodeJS.ProcessEnv = process.env): StoreSettings {
  const forced = env['ASEXOR_STORE'];
  if (forced !== undefined && forced !== '') {
    if (forced !== 'memory') throw new ConfigInvalidError(`Expected ASEXOR_STORE to be \`memory\` or unset, got \`${forced}\``, 'ASEXOR_STORE');
    return Object.freeze({ type: 'memory' });
  }
  const d = storeDefaults;
  if ((section?.type ?? d.type) === 'memory') return Object.freeze({ type: 'memory' });
  if (section?.type === 'postgres') return resolvePostgres(section, env);
  const sqlite = section?.type === 'sqlite' ? section : undefined;
  const file = sqlite?.path ?? d.path;
  return Object.freeze({
    type: 'sqlite',
    path: file === ':memory:' ? file : path.resolve(baseDir, file),
    synchronous: sqlite?.synchronous ?? d.synchronous,
    retention: resolveRetention(sqlite?.retention),
  });
}
