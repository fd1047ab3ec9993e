import type pg from 'pg';
import type { StreamCounts } from '../../report/events.js';
import type { RunEnd, RunRecord, RunRow } from '../types.js';
import { SCHEMA } from './postgres-schema.js';

interface RunColumns {
  id: string;
  connection: string;
  started_at: Date;
  finished_at: Date | null;
  status: RunRecord['status'];
  exit_code: number | null;
  streams: Record<string, StreamCounts>;
  totals: StreamCounts | null;
  error: string | null;
}

/** Starts a run of a connection; returns its id. */
export async function startRun(client: pg.ClientBase, connection: string, startedAt: string): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `insert into ${SCHEMA}.runs (connection, started_at, status, streams) values ($1, $2, 'running', '{}') returning id`,
    [connection, startedAt],
  );
  return Number(rows[0]!.id);
}

/** Adds undelivered rows to a run, numbered from `first`. */
export async function addRunRows(
  client: pg.ClientBase,
  run: number,
  first: number,
  rows: readonly RunRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `insert into ${SCHEMA}.run_rows (run, seq, stream, kind, key, reason, retryable, field)
       select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::bool[], $8::text[])`,
    [
      run,
      rows.map((_, i) => first + i),
      rows.map((r) => r.stream),
      rows.map((r) => r.kind),
      rows.map((r) => JSON.stringify(r.key)),
      rows.map((r) => r.reason),
      rows.map((r) => r.retryable),
      rows.map((r) => r.field ?? null),
    ],
  );
}

export async function runProgress(
  client: pg.ClientBase,
  run: number,
  streams: Record<string, StreamCounts>,
): Promise<void> {
  await client.query(`update ${SCHEMA}.runs set streams = $2 where id = $1`, [run, JSON.stringify(streams)]);
}

export async function finishRun(client: pg.ClientBase, run: number, end: RunEnd): Promise<void> {
  await client.query(
    `update ${SCHEMA}.runs set finished_at = $2, status = $3, exit_code = $4, streams = $5, totals = $6, error = $7 where id = $1`,
    [
      run,
      end.finishedAt,
      end.status,
      end.exitCode,
      JSON.stringify(end.streams),
      JSON.stringify(end.totals),
      end.error ?? null,
    ],
  );
}

/** Marks a run that died holding the lock as failed, with why. */
export async function abandonRun(client: pg.ClientBase, run: number, error: string): Promise<void> {
  await client.query(
    `update ${SCHEMA}.runs set finished_at = now(), status = 'failed', error = $2 where id = $1 and status = 'running'`,
    [run, error],
  );
}

export async function listRuns(
  client: pg.ClientBase,
  options: { connection?: string; limit: number },
): Promise<RunRecord[]> {
  const { rows } = await client.query<RunColumns>(
    `select * from ${SCHEMA}.runs where $1::text is null or connection = $1 order by id desc limit $2`,
    [options.connection ?? null, options.limit],
  );
  return rows.map(toRecord);
}

export async function findRuns(client: pg.ClientBase, id: number, connection?: string): Promise<RunRecord[]> {
  const { rows } = await client.query<RunColumns>(
    `select * from ${SCHEMA}.runs where id = $1 and ($2::text is null or connection = $2)`,
    [id, connection ?? null],
  );
  return rows.map(toRecord);
}

export async function runRows(
  client: pg.ClientBase,
  run: number,
  after: number,
  limit: number,
): Promise<{ seq: number; row: RunRow }[]> {
  const { rows } = await client.query<{
    seq: number;
    stream: string;
    kind: RunRow['kind'];
    key: Record<string, unknown>;
    reason: string;
    retryable: boolean;
    field: string | null;
  }>(`select * from ${SCHEMA}.run_rows where run = $1 and seq > $2 order by seq limit $3`, [run, after, limit]);
  return rows.map((r) => ({
    seq: r.seq,
    row: {
      stream: r.stream,
      kind: r.kind,
      key: r.key,
      reason: r.reason,
      retryable: r.retryable,
      ...(r.field !== null ? { field: r.field } : {}),
    },
  }));
}

export async function countRunRows(client: pg.ClientBase, run: number): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${SCHEMA}.run_rows where run = $1`, [
    run,
  ]);
  return Number(rows[0]!.n);
}

function toRecord(row: RunColumns): RunRecord {
  return {
    id: Number(row.id),
    connection: row.connection,
    startedAt: row.started_at.toISOString(),
    status: row.status,
    streams: row.streams,
    ...(row.finished_at !== null ? { finishedAt: row.finished_at.toISOString() } : {}),
    ...(row.exit_code !== null ? { exitCode: row.exit_code } : {}),
    ...(row.totals !== null ? { totals: row.totals } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}
