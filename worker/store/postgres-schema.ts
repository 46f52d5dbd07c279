/**
 * The PostgreSQL queue store's schema (docs/queue-store.md, "Schema"), created and migrated when a
 * store opens: every worker runs `migrate` at start, serialised by an advisory lock, so that several
 * workers starting together (or an older and a newer one) agree on one version. The version is kept
 * in `<schema>.meta`; a database written by a newer asexor is refused (StoreOpenError).
 */
import type { PoolClient } from 'pg';
import { StoreOpenError } from '../../shared/errors.ts';

/** The version this code writes; MIGRATIONS[i] brings a schema from version i to i + 1. */
export const SCHEMA_VERSION = 2;

/** A schema name we quote ourselves: lowercase, digits, underscores, at most 40 characters. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`Expected \`schema\` to be lowercase letters, digits and underscores (at most 40, not starting with a digit), got \`${schema}\``);
  return schema;
}

/**
 * Version 1. `tasks`: one row per admitted task, its state and latest event (progress: version 2);
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
${functions(s)}`;
}

/**
 * The hot operations as functions, one round trip each (postgres-store.ts calls them; the rules are in
 * docs/queue-store.md). Each keeps the lock order: a running task, the user's lane, a queued task, totals.
 */
function functions(s: string): string {
  return `
-- Admission: the caps in the task service's order, then the row, the lane's counts, head and turn, the totals.
CREATE FUNCTION ${s}.admit(p_id text, p_owner text, p_role text, p_task text, p_priority smallint, p_input text, p_bytes bigint,
    p_rerun boolean, p_event jsonb, p_at timestamptz, p_max_queued integer, p_user_max_queued integer, p_user_bytes bigint,
    p_all_bytes bigint, p_channel text) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  lane ${s}.lanes%ROWTYPE;
  tot ${s}.totals%ROWTYPE;
BEGIN
  INSERT INTO ${s}.lanes AS l (owner) VALUES (p_owner) ON CONFLICT (owner) DO UPDATE SET owner = EXCLUDED.owner RETURNING l.* INTO lane;
  SELECT * INTO tot FROM ${s}.totals WHERE id = 1 FOR UPDATE;
  IF p_bytes > 0 AND lane.queued_bytes + p_bytes > p_user_bytes THEN RETURN 'user_bytes'; END IF;
  IF p_bytes > 0 AND tot.queued_bytes + p_bytes > p_all_bytes THEN RETURN 'all_bytes'; END IF;
  IF lane.queued >= p_user_max_queued THEN RETURN 'user_count'; END IF;
  IF tot.queued >= p_max_queued THEN RETURN 'all_count'; END IF;
  INSERT INTO ${s}.tasks (id, owner, role, task, priority, input, bytes, rerun, state, event, queued_at)
    VALUES (p_id, p_owner, p_role, p_task, p_priority, p_input, p_bytes, p_rerun, 'queued', p_event, p_at);
  UPDATE ${s}.lanes SET queued = queued + 1, queued_bytes = queued_bytes + p_bytes, head_priority = LEAST(head_priority, p_priority),
      turn = CASE WHEN head_priority IS NULL OR p_priority < head_priority THEN nextval('${s}.turn_seq') ELSE turn END
    WHERE owner = p_owner;
  UPDATE ${s}.totals SET queued = queued + 1, queued_bytes = queued_bytes + p_bytes WHERE id = 1;
  PERFORM pg_notify(p_channel, '');
  RETURN 'ok';
END $fn$;

-- Claim: the first unlocked lane in ring order, its head task; the lane to the back of its ring.
CREATE FUNCTION ${s}.claim(p_worker text, p_max_running integer, p_lease_ms integer, p_at text, p_channel text)
    RETURNS TABLE (id text, owner text, role text, task text, priority smallint, input text, attempt integer, event jsonb)
    LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_owner text;
  v_seq bigint;
  v_bytes bigint;
  v_queued integer;
  v_running integer;
BEGIN
  SELECT l.owner INTO v_owner FROM ${s}.lanes l WHERE l.head_priority IS NOT NULL AND l.running < p_max_running
    ORDER BY l.head_priority, l.turn LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN RETURN; END IF;
  -- The lane is locked: its waiting tasks change only under that lock, so its head is ours.
  UPDATE ${s}.tasks t SET state = 'running', worker = p_worker, attempt = t.attempt + 1, cancel_requested = false,
      lease_until = now() + p_lease_ms * interval '1 millisecond',
      event = jsonb_build_object('task_id', t.id, 'task', t.task, 'at', p_at, 'status', 'started')
    WHERE t.seq = (SELECT q.seq FROM ${s}.tasks q WHERE q.owner = v_owner AND q.state = 'queued' ORDER BY q.priority, q.seq LIMIT 1)
    RETURNING t.seq, t.bytes, t.id, t.owner, t.role, t.task, t.priority, t.input, t.attempt, t.event
    INTO v_seq, v_bytes, id, owner, role, task, priority, input, attempt, event;
  UPDATE ${s}.lanes l SET running = l.running + (CASE WHEN v_seq IS NULL THEN 0 ELSE 1 END),
      queued = l.queued - (CASE WHEN v_seq IS NULL THEN 0 ELSE 1 END), queued_bytes = l.queued_bytes - coalesce(v_bytes, 0),
      turn = nextval('${s}.turn_seq'),
      head_priority = (SELECT min(q.priority) FROM ${s}.tasks q WHERE q.owner = v_owner AND q.state = 'queued')
    WHERE l.owner = v_owner RETURNING l.queued, l.running INTO v_queued, v_running;
  IF v_seq IS NULL THEN RETURN; END IF;
  UPDATE ${s}.totals SET queued = queued - 1, queued_bytes = queued_bytes - v_bytes WHERE totals.id = 1;
  IF v_queued > 0 AND v_running < p_max_running THEN PERFORM pg_notify(p_channel, ''); END IF;
  RETURN NEXT;
END $fn$;

-- A running task of p_owner ended: its slot is free; a lane that was at the limit joins the back of its ring.
CREATE FUNCTION ${s}.release_slot(p_owner text, p_max_running integer, p_channel text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  v_queued integer;
  v_running integer;
BEGIN
  UPDATE ${s}.lanes SET running = running - 1,
      turn = CASE WHEN running >= p_max_running AND head_priority IS NOT NULL THEN nextval('${s}.turn_seq') ELSE turn END
    WHERE owner = p_owner RETURNING queued, running INTO v_queued, v_running;
  IF v_queued > 0 AND v_running + 1 >= p_max_running THEN PERFORM pg_notify(p_channel, ''); END IF;
END $fn$;

-- The end of a running task of this attempt: true for the one call that ended it.
CREATE FUNCTION ${s}.finish(p_id text, p_attempt integer, p_status text, p_event jsonb, p_at timestamptz, p_max_running integer, p_channel text)
    RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
  v_owner text;
BEGIN
  UPDATE ${s}.tasks SET state = p_status, event = p_event, finished_at = p_at, lease_until = NULL
    WHERE id = p_id AND state = 'running' AND attempt = p_attempt RETURNING owner INTO v_owner;
  IF NOT FOUND THEN RETURN false; END IF;
  PERFORM ${s}.release_slot(v_owner, p_max_running, p_channel);
  RETURN true;
END $fn$;
`;
}

/**
 * Version 2. `tasks.progress`: the latest progress event of the running attempt (written by
 * `progress`, cleared when a task is queued again); reads prefer it to `event` while the task runs.
 * `workers`: the workers pulling from the queue, as they announce themselves (`seen_at` on the
 * server's clock, renewed with each heartbeat; a row is deleted on a clean stop), with the caps each
 * one applies (`limits`, so that a worker configured otherwise than the others says so at start).
 */
function v2(s: string): string {
  return `
ALTER TABLE ${s}.tasks ADD COLUMN progress jsonb;
CREATE TABLE ${s}.workers (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  slots integer NOT NULL,
  limits jsonb NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL
);`;
}

const MIGRATIONS: readonly ((schema: string) => string)[] = [v1, v2];

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
    if (version > SCHEMA_VERSION) throw new StoreOpenError(where, `schema ${s} has version ${version}, written by a newer asexor (this one knows ${SCHEMA_VERSION})`, { store: 'PostgreSQL queue store' });
    for (let v = version; v < SCHEMA_VERSION; v++) await client.query((MIGRATIONS[v] as (schema: string) => string)(s));
    await client.query(`INSERT INTO ${s}.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(SCHEMA_VERSION)]);
    await client.query('COMMIT');
    return version;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
