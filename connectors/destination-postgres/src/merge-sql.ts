import type { SyncBehaviour } from '@backflow/protocol';
import { ident } from './sql.js';

/** The staging table of a stream: its columns plus the batch position and operation of each row. */
export interface Staging {
  /** Quoted name of the temporary table. */
  readonly name: string;
  /** Quoted names of the position and operation columns. */
  readonly seq: string;
  readonly op: string;
}

export interface MergeStatements {
  /** For `update`: the positions of staged rows that match no existing row. */
  readonly unmatched?: string;
  /** Statements that move the staged rows into the table, in order. */
  readonly apply: readonly string[];
}

/**
 * SQL that applies a staged batch to `table` by behaviour. Several records with one key in a
 * batch collapse to the last (`DISTINCT ON … ORDER BY seq DESC`; the first for `insert`), so
 * `ON CONFLICT` never meets a key twice and a delete followed by an upsert ends upserted.
 */
export function mergeStatements(
  behaviour: SyncBehaviour,
  table: string,
  staging: Staging,
  columns: readonly string[],
  keys: readonly string[],
): MergeStatements {
  const list = columns.map(ident).join(', ');
  const keyList = keys.map(ident).join(', ');
  const values = columns.filter((column) => !keys.includes(column));
  const matches = (a: string, b: string) => keys.map((key) => `${a}.${ident(key)} = ${b}.${ident(key)}`).join(' AND ');
  const latest = `(SELECT DISTINCT ON (${keyList}) * FROM ${staging.name} ORDER BY ${keyList}, ${staging.seq} DESC)`;
  const onConflict = values.length
    ? `ON CONFLICT (${keyList}) DO UPDATE SET ${values.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ')}`
    : `ON CONFLICT (${keyList}) DO NOTHING`;

  const appendAll = `INSERT INTO ${table} (${list}) SELECT ${list} FROM ${staging.name} ORDER BY ${staging.seq}`;
  switch (behaviour) {
    case 'append':
      return { apply: [appendAll] };
    case 'insert': {
      if (keys.length === 0) return { apply: [appendAll] };
      const earliest = `(SELECT DISTINCT ON (${keyList}) * FROM ${staging.name} ORDER BY ${keyList}, ${staging.seq})`;
      return {
        apply: [`INSERT INTO ${table} (${list}) SELECT ${list} FROM ${earliest} s ON CONFLICT (${keyList}) DO NOTHING`],
      };
    }
    case 'upsert':
      return { apply: [`INSERT INTO ${table} (${list}) SELECT ${list} FROM ${latest} s ${onConflict}`] };
    case 'mirror':
      return {
        apply: [
          `DELETE FROM ${table} t USING ${latest} s WHERE s.${staging.op} = 'delete' AND ${matches('t', 's')}`,
          `INSERT INTO ${table} (${list}) SELECT ${list} FROM ${latest} s WHERE s.${staging.op} = 'upsert' ${onConflict}`,
        ],
      };
    case 'update':
      return {
        unmatched: `SELECT s.${staging.seq} AS seq FROM ${staging.name} s WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${matches('t', 's')}) ORDER BY 1`,
        apply: values.length
          ? [
              `UPDATE ${table} t SET ${values.map((c) => `${ident(c)} = s.${ident(c)}`).join(', ')} FROM ${latest} s WHERE ${matches('t', 's')}`,
            ]
          : [],
      };
  }
}
