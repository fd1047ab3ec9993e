import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import type { StreamPlan } from './behaviour.js';
import { COPY_NULL, ValueError, type FieldEncoder } from './copy-text.js';
import { mergeStatements, type MergeStatements, type Staging } from './merge-sql.js';
import { ident } from './sql.js';
import type { TargetTable } from './table-setup.js';

/** COPY text is sent in pieces of about this many characters. */
const COPY_CHUNK = 1 << 16;

/** Postgres' unique_violation. */
const UNIQUE_VIOLATION = '23505';

const DIRECT_SAVEPOINT = 'backflow_direct';

/** A target column as the encoder walks it. */
interface Column {
  readonly name: string;
  readonly encode: FieldEncoder;
  readonly key: boolean;
  /** Named like a property of Object.prototype, so a record lacking it must not read the inherited one. */
  readonly inheritable: boolean;
}

/**
 * Writes batches of one stream into its table: records are checked and encoded here
 * (rejecting what cannot be written) and COPYed, encoding each piece while Postgres parses
 * the one before. A batch that only adds rows (append; upsert, insert or mirror without
 * deletes, while no key of this session has met an existing row) is COPYed straight into the
 * table: a key already present fails it with a unique violation, and from then on batches go
 * through a session-local staging table and a few set-based statements (see merge-sql.ts).
 * Runs inside the caller's transaction: nothing is visible to others before the caller commits.
 */
export class StreamTable {
  private readonly columns: readonly Column[];
  /** Whether adding-only batches are COPYed straight into the table (see the class comment). */
  private direct: boolean;

  private constructor(
    private readonly client: pg.Client,
    private readonly stream: string,
    private readonly target: TargetTable,
    private readonly plan: StreamPlan,
    private readonly staging: Staging,
    private readonly copySql: { readonly direct: string; readonly staged: string },
    private readonly statements: MergeStatements,
  ) {
    this.columns = target.columns.map((column) => ({
      name: column.name,
      encode: column.encode,
      key: target.keys.includes(column.name),
      inheritable: column.name in Object.prototype,
    }));
    this.direct = plan.behaviour !== 'update';
  }

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
    const copySql = {
      direct: `COPY ${target.name} (${list}) FROM STDIN`,
      staged: `COPY ${staging.name} (${list}, ${staging.seq}, ${staging.op}) FROM STDIN`,
    };
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
    if (this.direct && records.every((record) => record.operation !== 'delete')) {
      // Append has no staged form to fall back to: what fails here fails the batch.
      if (this.plan.behaviour === 'append') return (await this.copy(records, false)).rejected;
      await this.client.query(`SAVEPOINT ${DIRECT_SAVEPOINT}`);
      try {
        const { rejected } = await this.copy(records, false);
        await this.client.query(`RELEASE SAVEPOINT ${DIRECT_SAVEPOINT}`);
        return rejected;
      } catch (error) {
        if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
        await this.client.query(`ROLLBACK TO SAVEPOINT ${DIRECT_SAVEPOINT}; RELEASE SAVEPOINT ${DIRECT_SAVEPOINT}`);
        this.direct = false;
      }
    }
    return this.stage(records);
  }

  /** COPYs the batch into the staging table and merges it into the table. */
  private async stage(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    await this.client.query(`TRUNCATE ${this.staging.name}`);
    const { rejected, rows } = await this.copy(records, true);
    if (rows === 0) return rejected;
    const refused = rejected.length;
    if (this.statements.unmatched) {
      const { rows: missing } = await this.client.query<{ seq: number }>(this.statements.unmatched);
      for (const { seq } of missing) {
        rejected.push({
          index: seq,
          retryable: false,
          reason: `no existing record with key ${describeKey(this.target.keys, records[seq]!)} in ${this.target.name}`,
        });
      }
    }
    for (const statement of this.statements.apply) await this.client.query(statement);
    return rejected.length > refused && refused > 0 ? rejected.sort((a, b) => a.index - b.index) : rejected;
  }

  /** COPYs the records it can encode (into the staging table when `staged`); returns the others and the rows sent. */
  private async copy(
    records: readonly IncomingRecord[],
    staged: boolean,
  ): Promise<{ rejected: Rejection[]; rows: number }> {
    const rejected: Rejection[] = [];
    let rows = 0;
    // Lazily, so each piece is encoded while Postgres parses the piece before.
    const encode = function* (this: StreamTable): Generator<string> {
      let chunk = '';
      for (let index = 0; index < records.length; index++) {
        const record = records[index]!;
        const row = this.encode(index, record);
        if (typeof row !== 'string') {
          rejected.push(row);
          continue;
        }
        rows++;
        chunk += staged ? `${row}\t${index}\t${record.operation}\n` : `${row}\n`;
        if (chunk.length >= COPY_CHUNK) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    };
    await pipeline(
      Readable.from(encode.call(this)),
      this.client.query(copyFrom(staged ? this.copySql.staged : this.copySql.direct)),
    );
    return { rejected, rows };
  }

  /** A record's COPY fields (without a line end), or the reason it cannot be written. */
  private encode(index: number, record: IncomingRecord): string | Rejection {
    const { behaviour } = this.plan;
    const deleting = record.operation === 'delete';
    if (deleting && behaviour !== 'mirror') {
      return {
        index,
        retryable: false,
        reason: `stream "${this.stream}" has behaviour "${behaviour}", which never deletes; a delete needs behaviour "mirror"`,
      };
    }
    const { data } = record;
    for (const key of this.target.keys) {
      const value = field(data, key);
      if (value === null || value === undefined)
        return { index, retryable: false, field: key, reason: `matching key field "${key}" is empty` };
    }
    let row = '';
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i]!;
      let text: string;
      // A delete needs only its key; its other fields are not checked.
      if (deleting && !column.key) text = COPY_NULL;
      else {
        const value = column.inheritable ? field(data, column.name) : data[column.name];
        try {
          text = column.encode(value);
        } catch (error) {
          if (!(error instanceof ValueError)) throw error;
          return { index, retryable: false, field: column.name, reason: `column "${column.name}": ${error.message}` };
        }
      }
      row = i === 0 ? text : `${row}\t${text}`;
    }
    return row;
  }
}

/** A record's own field: a field named "__proto__" or "constructor" is data, never inherited. */
function field(data: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(data, name) ? data[name] : undefined;
}

function describeKey(keys: readonly string[], record: IncomingRecord): string {
  return keys.map((key) => `${key}=${JSON.stringify(field(record.data, key))}`).join(', ');
}
