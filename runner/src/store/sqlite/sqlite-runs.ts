import type Database from 'better-sqlite3';
import type { StreamCounts } from '../../report/events.js';
import type { RunEnd, RunRecord, RunRow } from '../types.js';

interface RunColumns {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: RunRecord['status'];
  exit_code: number | null;
  streams: string;
  totals: string | null;
  error: string | null;
}

interface RunRowColumns {
  seq: number;
  stream: string;
  kind: RunRow['kind'];
  key: string;
  reason: string;
  retryable: number;
  field: string | null;
}

/** The run history of one connection, in its SQLite file (`runs`, `run_rows`). */
export class SqliteRuns {
  private nextSeq = 1;

  constructor(
    private readonly db: Database.Database,
    private readonly connection: string,
  ) {}

  start(startedAt: string): number {
    const result = this.db
      .prepare(`insert into runs (started_at, status, streams) values (?, 'running', '{}')`)
      .run(startedAt);
    this.nextSeq = 1;
    return Number(result.lastInsertRowid);
  }

  /** Adds undelivered rows to a run. Call inside a transaction. */
  addRows(run: number, rows: readonly RunRow[]): void {
    if (rows.length === 0) return;
    const insert = this.db.prepare(
      'insert into run_rows (run, seq, stream, kind, key, reason, retryable, field) values (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const row of rows) {
      insert.run(
        run,
        this.nextSeq++,
        row.stream,
        row.kind,
        JSON.stringify(row.key),
        row.reason,
        row.retryable ? 1 : 0,
        row.field ?? null,
      );
    }
  }

  /** The run's counts as of its last commit. Call inside a transaction. */
  progress(run: number, streams: Record<string, StreamCounts>): void {
    this.db.prepare('update runs set streams = ? where id = ?').run(JSON.stringify(streams), run);
  }

  finish(run: number, end: RunEnd): void {
    this.db
      .prepare(
        'update runs set finished_at = ?, status = ?, exit_code = ?, streams = ?, totals = ?, error = ? where id = ?',
      )
      .run(
        end.finishedAt,
        end.status,
        end.exitCode,
        JSON.stringify(end.streams),
        JSON.stringify(end.totals),
        end.error ?? null,
        run,
      );
  }

  /** Marks a run that died holding the lock as failed, with why. */
  abandon(run: number, at: string, error: string): void {
    this.db
      .prepare(`update runs set finished_at = ?, status = 'failed', error = ? where id = ? and status = 'running'`)
      .run(at, error, run);
  }

  list(limit: number): RunRecord[] {
    const rows = this.db.prepare('select * from runs order by id desc limit ?').all(limit) as RunColumns[];
    return rows.map((row) => this.toRecord(row));
  }

  get(run: number): RunRecord | undefined {
    const row = this.db.prepare('select * from runs where id = ?').get(run) as RunColumns | undefined;
    return row && this.toRecord(row);
  }

  rows(run: number, after: number, limit: number): { seq: number; row: RunRow }[] {
    const rows = this.db
      .prepare(
        'select seq, stream, kind, key, reason, retryable, field from run_rows where run = ? and seq > ? order by seq limit ?',
      )
      .all(run, after, limit) as RunRowColumns[];
    return rows.map((r) => ({
      seq: r.seq,
      row: {
        stream: r.stream,
        kind: r.kind,
        key: JSON.parse(r.key) as Record<string, unknown>,
        reason: r.reason,
        retryable: r.retryable === 1,
        ...(r.field !== null ? { field: r.field } : {}),
      },
    }));
  }

  countRows(run: number): number {
    return (this.db.prepare('select count(*) as n from run_rows where run = ?').get(run) as { n: number }).n;
  }

  private toRecord(row: RunColumns): RunRecord {
    return {
      id: row.id,
      connection: this.connection,
      startedAt: row.started_at,
      status: row.status,
      streams: JSON.parse(row.streams) as RunRecord['streams'],
      ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
      ...(row.exit_code !== null ? { exitCode: row.exit_code } : {}),
      ...(row.totals !== null ? { totals: JSON.parse(row.totals) as StreamCounts } : {}),
      ...(row.error !== null ? { error: row.error } : {}),
    };
  }
}
