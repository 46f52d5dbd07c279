/**
 * The PostgreSQL queue store's schema (docs/queue-store.md, "Schema"), created and migrated when a
 * store opens: every worker runs `migrate` at start, serialised by an advisory lock, so that several
 * workers starting together (or an older and a newer one) agree on one version. The version is kept
 * in `<schema>.meta`; a database written by a newer asexor is refused (StoreOpenError).
 */
import type { PoolClient } from 'pg';
import { StoreOpenError } from '../../shared/errors.ts';

/** The version this code writes; MIGRATIONS[i] brings a schema from version i to i + 1. */
export const SCHEMA_VERSION = 1;

/** A schema name we quote ourselves: lowercase, digits, underscores, at most 40 characters. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`Expected \`schema\` to be lowercase letters, digits and underscores (at most 40, not starting with a digit), got \`${schema}\``);
  return schema;
}

/**
 * Version 1. `tasks`: one row per admitted task, its state and latest event (progress is not kept);
 * `lanes`: one row per user with their counts, their head priority (lowest priority number waiting)
 * and their turn (the ring position: a lower turn is served first within a priority); `totals`: the
 * waiting count and bytes of all users, one row, the global caps' lock; `turn_seq` hands out turns.
 */
function v1(s: string): string {
  return `
CREATE SEQUENCE ${s}.turn_seq;
CREATE TABLE ${s}.tasks (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  owner text NOT NULL,
  role text NOT NULL,
  task text NOT NULL,
  priority smallint NOT NULL CHECK (priority BETWEEN 0 AND 9),
  input text NOT NULL,
  bytes bigint NOT NULL DEFAULT 0,
  rerun boolean NOT NULL DEFAULT false,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'success', 'error', 'cancelled', 'timeout')),
  event jsonb NOT NULL,
  queued_at timestamptz NOT NULL,
  finished_at timestamptz,
  worker text,
  attempt integer NOT NULL DEFAULT 0,
  lease_until timestamptz,
  cancel_requested boolean NOT NULL DEFAULT false
);
CREATE INDEX tasks_waiting ON ${s}.tasks (owner, priority, seq) WHERE state = 'queued';
CREATE INDEX tasks_running ON ${s}.tasks (worker) WHERE state = 'running';
CREATE INDEX tasks_lease ON ${s}.tasks (lease_until) WHERE state = 'running';
CREATE INDEX tasks_history ON ${s}.tasks (owner, seq);
CREATE TABLE ${s}.lanes (
  owner text PRIMARY KEY,
  queued integer NOT NULL DEFAULT 0,
  running integer NOT NULL DEFAULT 0,
  queued_bytes bigint NOT NULL DEFAULT 0,
  head_priority smallint,
  turn bigint NOT NULL DEFAULT 0
);
CREATE INDEX lanes_ring ON ${s}.lanes (head_priority, turn) WHERE head_priority IS NOT NULL;
CREATE TABLE ${s}.totals (
  id integer PRIMARY KEY CHECK (id = 1),
  queued integer NOT NULL,
  queued_bytes bigint NOT NULL
);
INSERT INTO ${s}.totals (id, queued, queued_bytes) VALUES (1, 0, 0);
`;
}

const MIGRATIONS: readonly ((schema: string) => string)[] = [v1];

/** Creates or upgrades `schema` to SCHEMA_VERSION inside one transaction on `client`; StoreOpenError naming `where`. */
export async function migrate(client: PoolClient, schema: string, where: string): Promise<number> {
  const s = checkSchemaName(schema);
  await client.query('BEGIN');
  try {
    // One migrating worker at a time per schema; the lock ends with the transaction.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`asexor-queue-store:${s}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL)`);
    const found = await client.query<{ value: string }>(`SELECT value FROM ${s}.meta WHERE key = 'schema_version'`);
    const version = Number(found.rows[0]?.value ?? 0);
    if (version > SCHEMA_VERSION) throw new StoreOpenError(where, `schema ${s} has version ${version}, written by a newer asexor (this one knows ${SCHEMA_VERSION})`);
    for (let v = version; v < SCHEMA_VERSION; v++) await client.query((MIGRATIONS[v] as (schema: string) => string)(s));
    await client.query(`INSERT INTO ${s}.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(SCHEMA_VERSION)]);
    await client.query('COMMIT');
    return version;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
