import type pg from 'pg';
import { SCHEMA } from './postgres-schema.js';
import { keyId, type FingerprintKey } from '../../diff/fingerprint.js';
import { keysOfRuns, type KeyRuns } from '../../diff/seen-keys.js';
import {
  DELIVERED,
  GONE,
  REJECTED,
  type FingerprintSession,
  type KeptRecord,
  type Outcome,
  type Prior,
  type RemovedRow,
  type StoredRejection,
} from '../../diff/fingerprint-session.js';

const OFFSET = 2n ** 63n;
/** A stored hash (8 bytes) as `RowHash` handles it: 16 hex digits. */
const HASH = `encode(r, 'hex') as r`;

/** Integer keys as 8 order-preserving bytes; hashed keys as their 16 bytes. */
function encode(key: FingerprintKey): Buffer {
  if (typeof key !== 'number') return key;
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(key) + OFFSET);
  return bytes;
}

function decode(bytes: Buffer): FingerprintKey {
  return bytes.length === 8 ? Number(bytes.readBigUInt64BE() - OFFSET) : bytes;
}

/**
 * The fingerprints of the Postgres store: `backflow.fingerprints (stream, k, r, f, v)` keyed
 * by (stream, key). Lookups are batched with `= ANY($1)`, writes are array-bound bulk
 * statements (`unnest`), and the keys read in a run go to a temporary table of the session,
 * indexed once the read is complete for the removed-row anti-join. One client per run: its
 * temporary tables, its commits and its lock all belong to that session.
 */
export class PostgresFingerprints implements FingerprintSession {
  private readonly scratchReady = new Set<number>();

  constructor(
    private readonly client: pg.ClientBase,
    private readonly connection: string,
    private readonly mode: 'sync' | 'plan',
  ) {}

  async streamId(stream: string): Promise<number> {
    await this.client.query(
      `insert into ${SCHEMA}.streams (connection, stream) values ($1, $2) on conflict (connection, stream) do nothing`,
      [this.connection, stream],
    );
    const { rows } = await this.client.query<{ id: number }>(
      `select id from ${SCHEMA}.streams where connection = $1 and stream = $2`,
      [this.connection, stream],
    );
    return rows[0]!.id;
  }

  async lookup(stream: number, keys: readonly FingerprintKey[]): Promise<Map<string, Prior>> {
    const { rows } = await this.client.query<{ k: Buffer; r: string; f: number; v: string }>(
      `select k, ${HASH}, f, v from ${SCHEMA}.fingerprints where stream = $1 and k = any($2::bytea[])`,
      [stream, keys.map(encode)],
    );
    return new Map(rows.map((row) => [keyId(decode(row.k)), { hash: row.r, flags: row.f, matchKey: row.v }]));
  }

  async rejections(stream: number, keys: readonly FingerprintKey[]): Promise<Map<string, StoredRejection>> {
    const { rows } = await this.client.query<{ k: Buffer; reason: string; field: string | null }>(
      `select k, reason, field from ${SCHEMA}.rejections where stream = $1 and k = any($2::bytea[])`,
      [stream, keys.map(encode)],
    );
    return new Map(
      rows.map((row) => [
        keyId(decode(row.k)),
        { reason: row.reason, ...(row.field !== null ? { field: row.field } : {}) },
      ]),
    );
  }

  async markSeen(stream: number, runs: KeyRuns): Promise<void> {
    const { seen } = await this.scratch(stream);
    await this.client.query(`insert into ${seen} (k) select unnest($1::bytea[])`, [keysOfRuns(runs).map(encode)]);
  }

  /** The stream's rows were all seen when the read saw as many stored keys as the table holds. */
  async unseenRemain(stream: number, storedSeen: number): Promise<boolean> {
    const { rows } = await this.client.query<{ n: string }>(
      `select count(*) n from ${SCHEMA}.fingerprints where stream = $1`,
      [stream],
    );
    return Number(rows[0]!.n) !== storedSeen;
  }

  async endRead(stream: number): Promise<void> {
    const { seen } = await this.scratch(stream);
    await this.client.query(`create index if not exists backflow_seen_${stream}_k on ${seen} (k); analyze ${seen}`);
  }

  async seen(stream: number, keys: readonly FingerprintKey[]): Promise<Set<string>> {
    const { seen } = await this.scratch(stream);
    const { rows } = await this.client.query<{ k: Buffer }>(
      `select distinct k from ${seen} where k = any($1::bytea[])`,
      [keys.map(encode)],
    );
    return new Set(rows.map((row) => keyId(decode(row.k))));
  }

  async defer(stream: number, rows: readonly string[]): Promise<void> {
    const { deferred } = await this.scratch(stream);
    await this.client.query(`insert into ${deferred} (row) select unnest($1::text[])`, [rows]);
  }

  async deferred(stream: number, after: number, limit: number): Promise<{ seq: number; row: string }[]> {
    const { deferred } = await this.scratch(stream);
    const { rows } = await this.client.query<{ seq: string; row: string }>(
      `select seq, row from ${deferred} where seq > $1 order by seq limit $2`,
      [after, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), row: r.row }));
  }

  async removedPage(stream: number, after: FingerprintKey | undefined, limit: number): Promise<RemovedRow[]> {
    const { seen } = await this.scratch(stream);
    const { rows } = await this.client.query<{ k: Buffer; r: string; f: number; v: string }>(
      `select k, ${HASH}, f, v from ${SCHEMA}.fingerprints fp
        where stream = $1 and f & ${DELIVERED} <> 0 and ($2::bytea is null or k > $2::bytea)
          and not exists (select 1 from ${seen} s where s.k = fp.k)
        order by k limit $3`,
      [stream, after === undefined ? null : encode(after), limit],
    );
    return rows.map((row) => ({ key: decode(row.k), hash: row.r, flags: row.f, matchKey: row.v }));
  }

  async retireUnseen(stream: number, markGone: boolean): Promise<number> {
    this.writable();
    const { seen } = await this.scratch(stream);
    const unseen = `not exists (select 1 from ${seen} s where s.k = fp.k)`;
    await this.client.query(
      `delete from ${SCHEMA}.fingerprints fp where stream = $1 and f & ${DELIVERED} = 0 and ${unseen}`,
      [stream],
    );
    if (!markGone) return 0;
    const result = await this.client.query(
      `update ${SCHEMA}.fingerprints fp set f = f | ${GONE} where stream = $1 and f & ${DELIVERED | GONE} = ${DELIVERED} and ${unseen}`,
      [stream],
    );
    return result.rowCount ?? 0;
  }

  async record(outcomes: readonly Outcome[]): Promise<void> {
    await this.client.query('begin');
    try {
      await this.writeOutcomes(outcomes);
      await this.client.query('commit');
    } catch (error) {
      await this.client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  /** Writes outcomes; a delivered row is no longer kept for resending. Call inside a transaction. */
  async writeOutcomes(outcomes: readonly Outcome[]): Promise<void> {
    this.writable();
    // One statement cannot touch a row twice: keep each key's last outcome.
    const last = new Map<string, Outcome>();
    for (const outcome of outcomes) {
      const id = `${outcome.stream}:${keyId(outcome.key)}`;
      last.delete(id);
      last.set(id, outcome);
    }
    const kept = [...last.values()];
    const writes = kept.filter((o) => o.op !== 'delete');
    const deletes = kept.filter((o) => o.op === 'delete');
    const refusals = kept.filter((o) => o.op === 'reject');
    {
      if (writes.length > 0) {
        await this.client.query(
          `insert into ${SCHEMA}.fingerprints (stream, k, r, f, v)
             select s, k, decode(r, 'hex'), f, v from unnest($1::int[], $2::bytea[], $3::text[], $4::int2[], $5::text[]) as u(s, k, r, f, v)
           on conflict (stream, k) do update set
             r = excluded.r,
             f = case when excluded.f & ${REJECTED} <> 0 then (${SCHEMA}.fingerprints.f & ${DELIVERED}) | ${REJECTED} else excluded.f end,
             v = case when excluded.f & ${REJECTED} <> 0 and ${SCHEMA}.fingerprints.f & ${DELIVERED} <> 0
                      then ${SCHEMA}.fingerprints.v else excluded.v end`,
          [
            writes.map((o) => o.stream),
            writes.map((o) => encode(o.key)),
            writes.map((o) => o.hash),
            writes.map((o) => (o.op === 'reject' ? REJECTED : o.flags)),
            writes.map((o) => o.matchKey),
          ],
        );
      }
      if (deletes.length > 0) {
        await this.client.query(
          `delete from ${SCHEMA}.fingerprints fp using unnest($1::int[], $2::bytea[]) as d(stream, k)
            where fp.stream = d.stream and fp.k = d.k`,
          [deletes.map((o) => o.stream), deletes.map((o) => encode(o.key))],
        );
      }
      const cleared = kept.filter((o) => o.op !== 'reject');
      if (cleared.length > 0) {
        for (const table of [`${SCHEMA}.rejections`, `${SCHEMA}.kept`]) {
          await this.client.query(
            `delete from ${table} x using unnest($1::int[], $2::bytea[]) as d(stream, k)
              where x.stream = d.stream and x.k = d.k`,
            [cleared.map((o) => o.stream), cleared.map((o) => encode(o.key))],
          );
        }
      }
      if (refusals.length > 0) {
        await this.client.query(
          `insert into ${SCHEMA}.rejections (stream, k, reason, field)
             select * from unnest($1::int[], $2::bytea[], $3::text[], $4::text[])
           on conflict (stream, k) do update set reason = excluded.reason, field = excluded.field`,
          [
            refusals.map((o) => o.stream),
            refusals.map((o) => encode(o.key)),
            refusals.map((o) => o.reason ?? ''),
            refusals.map((o) => o.field ?? null),
          ],
        );
      }
    }
  }

  /** Keeps records refused for now (replacing a kept version of the same key). Call inside a transaction. */
  async writeKept(stream: number, records: readonly KeptRecord[]): Promise<void> {
    this.writable();
    const last = new Map(records.map((r) => [keyId(r.key), r]));
    const rows = [...last.values()];
    if (rows.length === 0) return;
    await this.client.query(
      `insert into ${SCHEMA}.kept (stream, k, r, v, data)
         select $1, k, decode(r, 'hex'), v, data from unnest($2::bytea[], $3::text[], $4::text[], $5::text[]) as u(k, r, v, data)
       on conflict (stream, k) do update set r = excluded.r, v = excluded.v, data = excluded.data`,
      [
        stream,
        rows.map((r) => encode(r.key)),
        rows.map((r) => r.hash),
        rows.map((r) => r.matchKey),
        rows.map((r) => r.data),
      ],
    );
  }

  async kept(stream: number, after: FingerprintKey | undefined, limit: number): Promise<KeptRecord[]> {
    const { rows } = await this.client.query<{ k: Buffer; r: string; v: string; data: string }>(
      `select k, ${HASH}, v, data from ${SCHEMA}.kept where stream = $1 and ($2::bytea is null or k > $2::bytea) order by k limit $3`,
      [stream, after === undefined ? null : encode(after), limit],
    );
    return rows.map((row) => ({ key: decode(row.k), hash: row.r, matchKey: row.v, data: row.data }));
  }

  private async scratch(stream: number): Promise<{ seen: string; deferred: string }> {
    const tables = { seen: `pg_temp.backflow_seen_${stream}`, deferred: `pg_temp.backflow_deferred_${stream}` };
    if (!this.scratchReady.has(stream)) {
      await this.client.query(`
        create temp table if not exists backflow_seen_${stream} (k bytea not null);
        create temp table if not exists backflow_deferred_${stream} (seq bigserial primary key, row text not null);`);
      this.scratchReady.add(stream);
    }
    return tables;
  }

  private writable(): void {
    if (this.mode !== 'sync') throw new Error('a plan must not change fingerprints');
  }
}
