import type pg from 'pg';
import type { AirbyteStateMessage } from '@backflow/protocol';
import { deadRunError, thisProcess, type LockIdentity } from '../run-lock.js';
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
import { PostgresFingerprints } from './postgres-fingerprints.js';
import { liveHolder, PostgresLock } from './postgres-lock.js';
import * as runs from './postgres-runs.js';
import { ensureSchema, SCHEMA } from './postgres-schema.js';

/**
 * The Postgres store, for syncs run from several machines: one pool, every table in the
 * `backflow` schema. Each run holds one client of the pool for its whole length: the
 * connection's advisory lock, the diff's temporary tables and every commit's transaction
 * belong to that session.
 */
export class PostgresStore implements Store {
  private pool: Promise<pg.Pool> | undefined;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly identity: LockIdentity = thisProcess(),
  ) {}

  get location(): string {
    const parsed = new URL(this.url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  }

  async openSync(connection: string): Promise<SyncSession> {
    const client = await this.client();
    try {
      const { lock, takenOver } = await PostgresLock.acquire(client, connection, this.identity);
      if (takenOver?.run !== undefined) await runs.abandonRun(client, takenOver.run, deadRunError(takenOver));
      return new PostgresSyncSession(client, connection, new PostgresFingerprints(client, connection, 'sync'), lock);
    } catch (error) {
      client.release();
      throw error;
    }
  }

  async openPlan(connection: string): Promise<PlanSession> {
    const client = await this.client();
    return new PostgresPlanSession(client, connection, new PostgresFingerprints(client, connection, 'plan'));
  }

  async lockHolder(connection: string): Promise<LockHolder | undefined> {
    return this.use((client) => liveHolder(client, connection));
  }

  async listRuns(options: { connection?: string; limit: number }): Promise<RunRecord[]> {
    return this.use((client) => runs.listRuns(client, options));
  }

  async findRuns(id: number, connection?: string): Promise<RunRecord[]> {
    return this.use((client) => runs.findRuns(client, id, connection));
  }

  async runRows(run: RunRef, after: number, limit: number): Promise<{ seq: number; row: RunRow }[]> {
    return this.use((client) => runs.runRows(client, run.id, after, limit));
  }

  async countRunRows(run: RunRef): Promise<number> {
    return this.use((client) => runs.countRunRows(client, run.id));
  }

  async claimIncident(connection: string, kind: string): Promise<boolean> {
    const opened = await this.use((client) =>
      client.query(
        `insert into ${SCHEMA}.incidents (connection, kind, opened_at) values ($1, $2, now()) on conflict do nothing`,
        [connection, kind],
      ),
    );
    return opened.rowCount === 1;
  }

  async closeIncident(connection: string, kind: string): Promise<void> {
    await this.use((client) =>
      client.query(`delete from ${SCHEMA}.incidents where connection = $1 and kind = $2`, [connection, kind]),
    );
  }

  async close(): Promise<void> {
    if (this.pool) await (await this.pool).end();
  }

  /**
   * The pool, made on first use: pg is loaded only then, so that a run whose store is SQLite
   * (the runner's modules import this one) never parses or starts it.
   */
  private connectedPool(): Promise<pg.Pool> {
    this.pool ??= import('pg').then(({ default: { Pool } }) => {
      const pool = new Pool({ connectionString: this.url, max: 4 });
      // An idle connection dropped by the server is replaced on the next query; not a crash.
      pool.on('error', () => undefined);
      return pool;
    });
    return this.pool;
  }

  /** A client of the pool, once the schema exists. */
  private async client(): Promise<pg.PoolClient> {
    const client = await (await this.connectedPool()).connect();
    // A session the server ended (another runner took over a frozen lock) fails its next query.
    if (client.listenerCount('error') === 0) client.on('error', () => undefined);
    try {
      this.ready ??= ensureSchema(client);
      await this.ready;
    } catch (error) {
      this.ready = undefined;
      client.release();
      throw error;
    }
    return client;
  }

  private async use<T>(action: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      return await action(client);
    } finally {
      client.release();
    }
  }
}

class PostgresPlanSession implements PlanSession {
  constructor(
    protected readonly client: pg.PoolClient,
    readonly connection: string,
    readonly fingerprints: PostgresFingerprints,
  ) {}

  async states(): Promise<AirbyteStateMessage[]> {
    const { rows } = await this.client.query<{ state: AirbyteStateMessage }>(
      `select state from ${SCHEMA}.states where connection = $1 order by stream_key`,
      [this.connection],
    );
    return rows.map((row) => row.state);
  }

  async targets(): Promise<Map<string, string>> {
    const { rows } = await this.client.query<{ stream: string; target: string }>(
      `select stream, target from ${SCHEMA}.targets where connection = $1`,
      [this.connection],
    );
    return new Map(rows.map((row) => [row.stream, row.target]));
  }

  async close(): Promise<void> {
    // Its temporary tables go with the session: a client that held them is not reused.
    this.client.release(true);
  }
}

class PostgresSyncSession extends PostgresPlanSession implements SyncSession {
  private run: number | undefined;
  private nextRow = 1;

  constructor(
    client: pg.PoolClient,
    connection: string,
    fingerprints: PostgresFingerprints,
    private readonly runLock: PostgresLock,
  ) {
    super(client, connection, fingerprints);
  }

  get lock(): LockHolder {
    return this.runLock.holder;
  }

  async resetStates(): Promise<void> {
    await this.client.query(`delete from ${SCHEMA}.states where connection = $1`, [this.connection]);
  }

  async resetStream(stream: string): Promise<void> {
    const client = this.client;
    await client.query('begin');
    try {
      const id = `(select id from ${SCHEMA}.streams where connection = $1 and stream = $2)`;
      for (const table of ['fingerprints', 'kept', 'rejections'])
        await client.query(`delete from ${SCHEMA}.${table} where stream = ${id}`, [this.connection, stream]);
      await client.query(`delete from ${SCHEMA}.states where connection = $1 and stream_key = $2`, [
        this.connection,
        streamStateKey(stream),
      ]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  async startRun(startedAt: string): Promise<number> {
    this.run = await runs.startRun(this.client, this.connection, startedAt);
    await this.runLock.setRun(this.run);
    return this.run;
  }

  async commit(checkpoint: Checkpoint): Promise<void> {
    const client = this.client;
    await client.query('begin');
    try {
      if (checkpoint.outcomes?.length) await this.fingerprints.writeOutcomes(checkpoint.outcomes);
      for (const { stream, records } of checkpoint.kept ?? []) await this.fingerprints.writeKept(stream, records);
      for (const state of checkpoint.states ?? []) {
        await client.query(
          `insert into ${SCHEMA}.states (connection, stream_key, state, committed_at) values ($1, $2, $3, now())
           on conflict (connection, stream_key) do update set state = excluded.state, committed_at = now()`,
          [this.connection, persistKey(state), JSON.stringify(storable(state))],
        );
      }
      for (const [stream, target] of Object.entries(checkpoint.targets ?? {})) {
        await client.query(
          `insert into ${SCHEMA}.targets (connection, stream, target, recorded_at) values ($1, $2, $3, now())
           on conflict (connection, stream) do update set target = excluded.target, recorded_at = now()`,
          [this.connection, stream, target],
        );
      }
      const rows = checkpoint.rows ?? [];
      if (this.run !== undefined) {
        await runs.addRunRows(client, this.run, this.nextRow, rows);
        if (checkpoint.counts) await runs.runProgress(client, this.run, checkpoint.counts);
      }
      await client.query('commit');
      this.nextRow += rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  async settle(): Promise<void> {
    // Commits write the fingerprints themselves: nothing is left pending.
  }

  async finishRun(end: RunEnd): Promise<void> {
    if (this.run !== undefined) await runs.finishRun(this.client, this.run, end);
  }

  override async close(): Promise<void> {
    try {
      await this.runLock.release();
    } finally {
      await super.close();
    }
  }
}
