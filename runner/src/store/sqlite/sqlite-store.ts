import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { AirbyteStateMessage } from '@backflow/protocol';
import { deadRunError, isStale, thisProcess, type LockIdentity } from '../run-lock.js';
import { persistKey, storable, streamStateKey } from '../state-keys.js';
import type {
  Checkpoint,
  LockHolder,
  PlanSession,
  RunEnd,
  RunRecord,
  RunRef,
  RunRow,
  Store,
  SyncSession,
} from '../types.js';
import { connectionFile, connectionsIn, openConnectionFile } from './connection-file.js';
import { legacyConnections, migrateLegacy } from './migrate-legacy.js';
import { SqliteFingerprints } from './sqlite-fingerprints.js';
import { recordedHolder, SqliteLock } from './sqlite-lock.js';
import { SqliteRuns } from './sqlite-runs.js';

/**
 * The embedded store: a state directory holding one SQLite file per connection
 * (`<dir>/connections/<connection>.sqlite`), so connections sharing a directory never wait on
 * each other, and everything one connection knows commits in one transaction.
 */
export class SqliteStore implements Store {
  constructor(
    private readonly directory: string,
    private readonly identity: LockIdentity = thisProcess(),
  ) {}

  get location(): string {
    return this.directory;
  }

  async openSync(connection: string): Promise<SyncSession> {
    const db = this.open(connection);
    try {
      const { lock, takenOver } = SqliteLock.acquire(db, connection, this.identity);
      const runs = new SqliteRuns(db, connection);
      if (takenOver?.run !== undefined) runs.abandon(takenOver.run, new Date().toISOString(), deadRunError(takenOver));
      const fingerprints = new SqliteFingerprints(db, 'sync');
      // A run that crashed left confirmed outcomes in the log: they are facts, apply them first.
      await fingerprints.mergeLog();
      return new SqliteSyncSession(db, connection, fingerprints, runs, lock);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async openPlan(connection: string): Promise<PlanSession> {
    const db = this.open(connection);
    return new SqlitePlanSession(db, connection, new SqliteFingerprints(db, 'plan'));
  }

  async lockHolder(connection: string): Promise<LockHolder | undefined> {
    if (!existsSync(connectionFile(this.directory, connection))) return undefined;
    return this.withFile(connection, (db) => {
      const holder = recordedHolder(db);
      return holder && !isStale(holder, this.identity) ? holder : undefined;
    });
  }

  async listRuns(options: { connection?: string; limit: number }): Promise<RunRecord[]> {
    const connections = this.connections(options.connection);
    const runs = connections.flatMap((connection) =>
      this.withFile(connection, (db) => new SqliteRuns(db, connection).list(options.limit)),
    );
    return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, options.limit);
  }

  async findRuns(id: number, connection?: string): Promise<RunRecord[]> {
    const connections = this.connections(connection);
    return connections.flatMap((name) => {
      const run = this.withFile(name, (db) => new SqliteRuns(db, name).get(id));
      return run ? [run] : [];
    });
  }

  async runRows(run: RunRef, after: number, limit: number): Promise<{ seq: number; row: RunRow }[]> {
    if (this.connections(run.connection).length === 0) return [];
    return this.withFile(run.connection, (db) => new SqliteRuns(db, run.connection).rows(run.id, after, limit));
  }

  async countRunRows(run: RunRef): Promise<number> {
    if (this.connections(run.connection).length === 0) return 0;
    return this.withFile(run.connection, (db) => new SqliteRuns(db, run.connection).countRows(run.id));
  }

  async claimIncident(connection: string, kind: string): Promise<boolean> {
    return this.withFile(connection, (db) => {
      const opened = db
        .prepare('insert into incidents (kind, opened_at) values (?, ?) on conflict do nothing')
        .run(kind, new Date().toISOString());
      return opened.changes === 1;
    });
  }

  async closeIncident(connection: string, kind: string): Promise<void> {
    this.withFile(connection, (db) => db.prepare('delete from incidents where kind = ?').run(kind));
  }

  async close(): Promise<void> {}

  /**
   * The connections with data here, or just `only` if it has data (reading the history of a
   * connection never run creates nothing). Data left in the old layout is moved first.
   */
  private connections(only?: string): string[] {
    for (const legacy of legacyConnections(this.directory))
      if (only === undefined || legacy === only) this.open(legacy).close();
    const known = connectionsIn(this.directory);
    return only === undefined ? known : known.filter((name) => name === only);
  }

  private open(connection: string): Database.Database {
    const db = openConnectionFile(this.directory, connection);
    try {
      migrateLegacy(db, this.directory, connection);
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  }

  private withFile<T>(connection: string, use: (db: Database.Database) => T): T {
    const db = this.open(connection);
    try {
      return use(db);
    } finally {
      db.close();
    }
  }
}

class SqlitePlanSession implements PlanSession {
  constructor(
    protected readonly db: Database.Database,
    readonly connection: string,
    readonly fingerprints: SqliteFingerprints,
  ) {}

  async states(): Promise<AirbyteStateMessage[]> {
    const rows = this.db.prepare('select state from states order by key').all() as { state: string }[];
    return rows.map((row) => JSON.parse(row.state) as AirbyteStateMessage);
  }

  async targets(): Promise<Map<string, string>> {
    const rows = this.db.prepare('select stream, target from targets').all() as { stream: string; target: string }[];
    return new Map(rows.map((row) => [row.stream, row.target]));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

class SqliteSyncSession extends SqlitePlanSession implements SyncSession {
  private run: number | undefined;

  constructor(
    db: Database.Database,
    connection: string,
    fingerprints: SqliteFingerprints,
    private readonly runs: SqliteRuns,
    private readonly runLock: SqliteLock,
  ) {
    super(db, connection, fingerprints);
  }

  get lock(): LockHolder {
    return this.runLock.holder;
  }

  async resetStates(): Promise<void> {
    this.db.prepare('delete from states').run();
  }

  async resetStream(stream: string): Promise<void> {
    this.db.transaction(() => {
      for (const table of ['fingerprints', 'outcome_log', 'kept', 'rejections'])
        this.db.prepare(`delete from ${table} where stream = (select id from streams where name = ?)`).run(stream);
      this.db.prepare('delete from states where key = ?').run(streamStateKey(stream));
    })();
  }

  async startRun(startedAt: string): Promise<number> {
    this.run = this.runs.start(startedAt);
    this.runLock.setRun(this.run);
    return this.run;
  }

  async commit(checkpoint: Checkpoint): Promise<void> {
    const now = new Date().toISOString();
    const putState = this.db.prepare('insert or replace into states (key, state, committed_at) values (?, ?, ?)');
    const putTarget = this.db.prepare('insert or replace into targets (stream, target, recorded_at) values (?, ?, ?)');
    this.db.transaction(() => {
      if (checkpoint.outcomes?.length) this.fingerprints.writeOutcomes(checkpoint.outcomes);
      for (const { stream, records } of checkpoint.kept ?? []) this.fingerprints.writeKept(stream, records);
      for (const state of checkpoint.states ?? [])
        putState.run(persistKey(state), JSON.stringify(storable(state)), now);
      for (const [stream, target] of Object.entries(checkpoint.targets ?? {})) putTarget.run(stream, target, now);
      if (this.run !== undefined) {
        this.runs.addRows(this.run, checkpoint.rows ?? []);
        if (checkpoint.counts) this.runs.progress(this.run, checkpoint.counts);
      }
    })();
  }

  async settle(): Promise<void> {
    await this.fingerprints.mergeLog();
  }

  async finishRun(end: RunEnd): Promise<void> {
    if (this.run !== undefined) this.runs.finish(this.run, end);
  }

  override async close(): Promise<void> {
    try {
      await this.fingerprints.mergeLog();
    } finally {
      try {
        this.runLock.release();
      } finally {
        this.db.close();
      }
    }
  }
}
