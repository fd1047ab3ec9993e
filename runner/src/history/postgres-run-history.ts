import pg from 'pg';
import type { StreamCounts } from '../report/events.js';
import type { RunEnd, RunHistory, RunRecord, RunRow } from './run-history.js';

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

/** Run history in the Postgres state database: `backflow_runs` and `backflow_run_rows`. */
export class PostgresRunHistory implements RunHistory {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private readonly nextSeq = new Map<number, number>();

  constructor(private readonly url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    // An idle connection dropped by the server is replaced on the next query; not a crash.
    this.pool.on('error', () => undefined);
  }

  get location(): string {
    const parsed = new URL(this.url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  }

  async start(connection: string, startedAt: string): Promise<number> {
    await this.init();
    const { rows } = await this.pool.query<{ id: string }>(
      `insert into backflow_runs (connection, started_at, status, streams) values ($1, $2, 'running', '{}') returning id`,
      [connection, startedAt],
    );
    return Number(rows[0]!.id);
  }

  async addRows(run: number, rows: readonly RunRow[]): Promise<void> {
    await this.init();
    const first = this.nextSeq.get(run) ?? 1;
    this.nextSeq.set(run, first + rows.length);
    await this.pool.query(
      `insert into backflow_run_rows (run, seq, stream, kind, key, reason, retryable, field)
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

  async finish(run: number, end: RunEnd): Promise<void> {
    await this.init();
    await this.pool.query(
      'update backflow_runs set finished_at = $2, status = $3, exit_code = $4, streams = $5, totals = $6, error = $7 where id = $1',
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

  async list(options: { connection?: string; limit: number }): Promise<RunRecord[]> {
    await this.init();
    const { rows } = await this.pool.query<RunColumns>(
      'select * from backflow_runs where $1::text is null or connection = $1 order by id desc limit $2',
      [options.connection ?? null, options.limit],
    );
    return rows.map(toRecord);
  }

  async get(run: number): Promise<RunRecord | undefined> {
    await this.init();
    const { rows } = await this.pool.query<RunColumns>('select * from backflow_runs where id = $1', [run]);
    return rows[0] && toRecord(rows[0]);
  }

  async rows(run: number, after: number, limit: number): Promise<{ seq: number; row: RunRow }[]> {
    await this.init();
    const { rows } = await this.pool.query<{
      seq: number;
      stream: string;
      kind: RunRow['kind'];
      key: Record<string, unknown>;
      reason: string;
      retryable: boolean;
      field: string | null;
    }>('select * from backflow_run_rows where run = $1 and seq > $2 order by seq limit $3', [run, after, limit]);
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

  async countRows(run: number): Promise<number> {
    await this.init();
    const { rows } = await this.pool.query<{ n: string }>(
      'select count(*) as n from backflow_run_rows where run = $1',
      [run],
    );
    return Number(rows[0]!.n);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private init(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `create table if not exists backflow_runs (
           id bigserial primary key, connection text not null, started_at timestamptz not null,
           finished_at timestamptz, status text not null, exit_code integer, streams jsonb not null, totals jsonb, error text);
         create index if not exists backflow_runs_connection on backflow_runs (connection, id);
         create table if not exists backflow_run_rows (
           run bigint not null, seq integer not null, stream text not null, kind text not null, key jsonb not null,
           reason text not null, retryable boolean not null, field text, primary key (run, seq));`,
      )
      .then(() => undefined);
    return this.ready;
  }
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
