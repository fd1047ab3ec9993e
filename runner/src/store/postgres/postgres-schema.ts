import type pg from 'pg';

/** The schema every table of the Postgres store lives in. */
export const SCHEMA = 'backflow';

/** Serializes schema changes of concurrent runners (an arbitrary, fixed advisory lock key). */
const SCHEMA_LOCK = 0x6266_6c77;

const TABLES = `
  create schema if not exists ${SCHEMA};
  create table if not exists ${SCHEMA}.states (
    connection text not null, stream_key text not null, state jsonb not null, committed_at timestamptz not null,
    primary key (connection, stream_key));
  create table if not exists ${SCHEMA}.streams (
    id serial primary key, connection text not null, stream text not null, unique (connection, stream));
  create table if not exists ${SCHEMA}.fingerprints (
    stream integer not null, k bytea not null, r bytea not null, f smallint not null, v text not null,
    primary key (stream, k));
  create table if not exists ${SCHEMA}.kept (
    stream integer not null, k bytea not null, r bytea not null, v text not null, data text not null,
    primary key (stream, k));
  create table if not exists ${SCHEMA}.rejections (
    stream integer not null, k bytea not null, reason text not null, field text, primary key (stream, k));
  create table if not exists ${SCHEMA}.runs (
    id bigserial primary key, connection text not null, started_at timestamptz not null,
    finished_at timestamptz, status text not null, exit_code integer, streams jsonb not null, totals jsonb, error text);
  create index if not exists runs_connection on ${SCHEMA}.runs (connection, id);
  create table if not exists ${SCHEMA}.run_rows (
    run bigint not null, seq integer not null, stream text not null, kind text not null, key jsonb not null,
    reason text not null, retryable boolean not null, field text, primary key (run, seq));
  create table if not exists ${SCHEMA}.locks (
    connection text primary key, run bigint, pid integer not null, host text not null,
    since timestamptz not null, heartbeat timestamptz not null, backend_pid integer not null);`;

/** Open alert incidents of `runner serve`: added after the first layout, so created on its own. */
const INCIDENTS = `
  create table if not exists ${SCHEMA}.incidents (
    connection text not null, kind text not null, opened_at timestamptz not null, primary key (connection, kind));`;

/**
 * Delivery targets: the (object, destination stream, mapping) each stream's fingerprints belong
 * to. Created on its own, so a schema made before it gains the table.
 */
const TARGETS = `
  create table if not exists ${SCHEMA}.targets (
    connection text not null, stream text not null, target text not null, recorded_at timestamptz not null,
    primary key (connection, stream));`;

/**
 * Tables of the earlier layout (three stores, tables in the search path): copied into the
 * schema when it is created, then dropped. Each maps to its new table and the columns copied.
 */
const LEGACY: readonly { from: string; to: string; columns: string; serial?: boolean }[] = [
  { from: 'backflow_state', to: 'states', columns: 'connection, stream_key, state, committed_at' },
  { from: 'backflow_fp_streams', to: 'streams', columns: 'id, connection, stream', serial: true },
  { from: 'backflow_fingerprints', to: 'fingerprints', columns: 'stream, k, r, f, v' },
  { from: 'backflow_fp_kept', to: 'kept', columns: 'stream, k, r, v, data' },
  { from: 'backflow_fp_rejections', to: 'rejections', columns: 'stream, k, reason, field' },
  {
    from: 'backflow_runs',
    to: 'runs',
    columns: 'id, connection, started_at, finished_at, status, exit_code, streams, totals, error',
    serial: true,
  },
  { from: 'backflow_run_rows', to: 'run_rows', columns: 'run, seq, stream, kind, key, reason, retryable, field' },
];

/** Creates the schema if needed (moving the earlier layout's tables in), once per database. */
export async function ensureSchema(client: pg.ClientBase): Promise<void> {
  await client.query('begin');
  try {
    await client.query('select pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    const { rows } = await client.query<{ exists: boolean }>(
      `select to_regclass('${SCHEMA}.locks') is not null as exists`,
    );
    if (!rows[0]!.exists) {
      await client.query(TABLES);
      await moveLegacyTables(client);
    }
    await client.query(INCIDENTS);
    await client.query(TARGETS);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

async function moveLegacyTables(client: pg.ClientBase): Promise<void> {
  for (const table of LEGACY) {
    const { rows } = await client.query<{ exists: boolean }>('select to_regclass($1) is not null as exists', [
      table.from,
    ]);
    if (!rows[0]!.exists) continue;
    await client.query(
      `insert into ${SCHEMA}.${table.to} (${table.columns}) select ${table.columns} from ${table.from}`,
    );
    if (table.serial) {
      await client.query(
        `select setval(pg_get_serial_sequence('${SCHEMA}.${table.to}', 'id'), coalesce(max(id), 0) + 1, false)
           from ${SCHEMA}.${table.to}`,
      );
    }
    await client.query(`drop table ${table.from}`);
  }
}
