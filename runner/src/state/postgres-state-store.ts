import pg from 'pg';
import type { AirbyteStateMessage } from '@backflow/protocol';
import { persistKey } from '../sync/state-ledger.js';
import { storable, type StateStore } from './state-store.js';

const TABLE = 'backflow_state';

/**
 * States in a Postgres table, for operators who run syncs from several machines. A commit
 * is one transaction; rows are keyed by (connection, stream).
 */
export class PostgresStateStore implements StateStore {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(private readonly url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
  }

  get location(): string {
    const parsed = new URL(this.url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  }

  async load(connection: string): Promise<AirbyteStateMessage[]> {
    await this.init();
    const { rows } = await this.pool.query<{ state: AirbyteStateMessage }>(
      `select state from ${TABLE} where connection = $1 order by stream_key`,
      [connection],
    );
    return rows.map((row) => row.state);
  }

  async commit(connection: string, states: readonly AirbyteStateMessage[]): Promise<void> {
    if (states.length === 0) return;
    await this.init();
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      for (const state of states) {
        await client.query(
          `insert into ${TABLE} (connection, stream_key, state, committed_at) values ($1, $2, $3, now())
           on conflict (connection, stream_key) do update set state = excluded.state, committed_at = now()`,
          [connection, persistKey(state), JSON.stringify(storable(state))],
        );
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async reset(connection: string): Promise<void> {
    await this.init();
    await this.pool.query(`delete from ${TABLE} where connection = $1`, [connection]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private init(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `create table if not exists ${TABLE} (
           connection text not null,
           stream_key text not null,
           state jsonb not null,
           committed_at timestamptz not null,
           primary key (connection, stream_key))`,
      )
      .then(() => undefined);
    return this.ready;
  }
}
