import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RunEnd, RunHistory, RunRecord, RunRow } from './run-history.js';

interface RunRowColumns {
  seq: number;
  stream: string;
  kind: 'rejected' | 'invalid';
  key: string;
  reason: string;
  retryable: number;
  field: string | null;
}

interface RunColumns {
  id: number;
  connection: string;
  started_at: string;
  finished_at: string | null;
  status: RunRecord['status'];
  exit_code: number | null;
  streams: string;
  totals: string | null;
  error: string | null;
}

/** Run history in `<state dir>/history.sqlite`, shared by the connections of that directory. */
export class SqliteRunHistory implements RunHistory {
  private readonly db: Database.Database;
  private readonly nextSeq = new Map<number, number>();

  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.db = new Database(join(directory, 'history.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      create table if not exists runs (
        id integer primary key autoincrement, connection text not null, started_at text not null,
        finished_at text, status text not null, exit_code integer, streams text not null, totals text, error text);
      create index if not exists runs_connection on runs (connection, id);
      create table if not exists run_rows (
        run integer not null, seq integer not null, stream text not null, kind text not null, key text not null,
        reason text not null, retryable integer not null, field text, primary key (run, seq)) without rowid;`);
  }

  get location(): string {
    return join(this.directory, 'history.sqlite');
  }

  async start(connection: string, startedAt: string): Promise<number> {
    const result = this.db
      .prepare(`insert into runs (connection, started_at, status, streams) values (?, ?, 'running', '{}')`)
      .run(connection, startedAt);
    return Number(result.lastInsertRowid);
  }

  async addRows(run: number, rows: readonly RunRow[]): Promise<void> {
    const insert = this.db.prepare(
      'insert into run_rows (run, seq, stream, kind, key, reason, retryable, field) values (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let seq = this.nextSeq.get(run) ?? 1;
    this.db.transaction(() => {
      for (const row of rows) {
        insert.run(
          run,
          seq++,
          row.stream,
          row.kind,
          JSON.stringify(row.key),
          row.reason,
          row.retryable ? 1 : 0,
          row.field ?? null,
        );
      }
    })();
    this.nextSeq.set(run, seq);
  }

  async finish(run: number, end: RunEnd): Promise<void> {
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

  async list(options: { connection?: string; limit: number }): Promise<RunRecord[]> {
    const rows = (
      options.connection === undefined
        ? this.db.prepare('select * from runs order by id desc limit ?').all(options.limit)
        : this.db
            .prepare('select * from runs where connection = ? order by id desc limit ?')
            .all(options.connection, options.limit)
    ) as RunColumns[];
    return rows.map(toRecord);
  }

  async get(run: number): Promise<RunRecord | undefined> {
    const row = this.db.prepare('select * from runs where id = ?').get(run) as RunColumns | undefined;
    return row && toRecord(row);
  }

  async rows(run: number, after: number, limit: number): Promise<{ seq: number; row: RunRow }[]> {
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

  async countRows(run: number): Promise<number> {
    return (this.db.prepare('select count(*) as n from run_rows where run = ?').get(run) as { n: number }).n;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function toRecord(row: RunColumns): RunRecord {
  return {
    id: row.id,
    connection: row.connection,
    startedAt: row.started_at,
    status: row.status,
    streams: JSON.parse(row.streams) as RunRecord['streams'],
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    ...(row.exit_code !== null ? { exitCode: row.exit_code } : {}),
    ...(row.totals !== null ? { totals: JSON.parse(row.totals) as RunRecord['streams'][string] } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}
