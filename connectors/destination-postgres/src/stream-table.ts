import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import type { StreamPlan } from './behaviour.js';
import { ValueError, copyField } from './copy-text.js';
import { mergeStatements, type MergeStatements, type Staging } from './merge-sql.js';
import { ident } from './sql.js';
import type { TargetTable } from './table-setup.js';

/** COPY text is sent in pieces of about this many characters. */
const COPY_CHUNK = 1 << 16;

/**
 * Writes batches of one stream into its table: records are checked and encoded here
 * (rejecting what cannot be written), COPYed into a session-local staging table, then moved
 * into the table by a few set-based statements (see merge-sql.ts). Runs inside the caller's
 * transaction: nothing is visible to others before the caller commits.
 */
export class StreamTable {
  private constructor(
    private readonly client: pg.Client,
    private readonly stream: string,
    private readonly target: TargetTable,
    private readonly plan: StreamPlan,
    private readonly staging: Staging,
    private readonly copySql: string,
    private readonly statements: MergeStatements,
  ) {}

  /** Creates the staging table (a temporary table of this session, shaped like the target). */
  static async create(
    client: pg.Client,
    stream: string,
    target: TargetTable,
    plan: StreamPlan,
    index: number,
  ): Promise<StreamTable> {
    const names = new Set(target.columns.map((column) => column.name));
    const free = (base: string) => {
      let name = base;
      while (names.has(name)) name = `_${name}`;
      names.add(name);
      return name;
    };
    const staging: Staging = {
      name: `pg_temp.${ident(`backflow_staging_${index}`)}`,
      seq: ident(free('_backflow_seq')),
      op: ident(free('_backflow_op')),
    };
    const list = target.columns.map((column) => ident(column.name)).join(', ');
    await client.query(`CREATE TEMPORARY TABLE ${staging.name} AS SELECT ${list} FROM ${target.name} WITH NO DATA`);
    await client.query(`ALTER TABLE ${staging.name} ADD COLUMN ${staging.seq} integer, ADD COLUMN ${staging.op} text`);
    const copySql = `COPY ${staging.name} (${list}, ${staging.seq}, ${staging.op}) FROM STDIN`;
    const statements = mergeStatements(
      plan.behaviour,
      target.name,
      staging,
      target.columns.map((column) => column.name),
      target.keys,
    );
    return new StreamTable(client, stream, target, plan, staging, copySql, statements);
  }

  /** Writes one batch; returns the records refused (bad values, deletes it cannot do, updates without a match). */
  async write(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    const rejected: Rejection[] = [];
    const lines: string[] = [];
    for (const [index, record] of records.entries()) {
      const line = this.encode(index, record);
      if (typeof line === 'string') lines.push(line);
      else rejected.push(line);
    }
    if (lines.length === 0) return rejected;

    await this.client.query(`TRUNCATE ${this.staging.name}`);
    await pipeline(Readable.from(chunks(lines)), this.client.query(copyFrom(this.copySql)));
    if (this.statements.unmatched) {
      const { rows } = await this.client.query<{ seq: number }>(this.statements.unmatched);
      for (const { seq } of rows) {
        rejected.push({
          index: seq,
          retryable: false,
          reason: `no existing record with key ${describeKey(this.target.keys, records[seq]!)} in ${this.target.name}`,
        });
      }
    }
    for (const statement of this.statements.apply) await this.client.query(statement);
    return rejected.sort((a, b) => a.index - b.index);
  }

  /** One COPY line for a record, or the reason it cannot be written. */
  private encode(index: number, record: IncomingRecord): string | Rejection {
    const { behaviour } = this.plan;
    if (record.operation === 'delete' && behaviour !== 'mirror') {
      return {
        index,
        retryable: false,
        reason: `stream "${this.stream}" has behaviour "${behaviour}", which never deletes; a delete needs behaviour "mirror"`,
      };
    }
    for (const key of this.target.keys) {
      const value = field(record.data, key);
      if (value === null || value === undefined)
        return { index, retryable: false, field: key, reason: `matching key field "${key}" is empty` };
    }
    const fields: string[] = [];
    for (const column of this.target.columns) {
      // A delete needs only its key; its other fields are not checked.
      if (record.operation === 'delete' && !this.target.keys.includes(column.name)) {
        fields.push(copyField(null));
        continue;
      }
      try {
        fields.push(copyField(column.encode(field(record.data, column.name))));
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        return { index, retryable: false, field: column.name, reason: `column "${column.name}": ${error.message}` };
      }
    }
    fields.push(String(index), record.operation);
    return fields.join('\t') + '\n';
  }
}

/** A record's own field: a field named "__proto__" or "constructor" is data, never inherited. */
function field(data: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(data, name) ? data[name] : undefined;
}

function describeKey(keys: readonly string[], record: IncomingRecord): string {
  return keys.map((key) => `${key}=${JSON.stringify(field(record.data, key))}`).join(', ');
}

function* chunks(lines: readonly string[]): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= COPY_CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
