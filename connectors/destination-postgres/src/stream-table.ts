import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { IncomingRecord, RecordBytes, Rejection } from '@backflow/protocol/connector';
import { CopyChunks } from './copy-chunks.js';
import { DataScanner, Found } from './data-scanner.js';
import type { StreamPlan } from './behaviour.js';
import { COPY_NULL, ValueError, type FieldEncoder, type RawForm } from './copy-text.js';
import { mergeStatements, type MergeStatements, type Staging } from './merge-sql.js';
import { ident } from './sql.js';
import type { TargetTable } from './table-setup.js';
import { LF, TAB } from '@backflow/protocol/connector';

const LINE_END = '\n';

/** Postgres' unique_violation. */
const UNIQUE_VIOLATION = '23505';

const DIRECT_SAVEPOINT = 'backflow_direct';

/** A target column as the encoder walks it. */
interface Column {
  readonly name: string;
  readonly encode: FieldEncoder;
  /** How a JSON token's own text can be its field (see rawFormOf). */
  readonly raw: RawForm;
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
  private readonly keyColumns: readonly number[];
  private readonly scanner: DataScanner;
  /** Per column, the field fieldsFromBytes made of the last record (undefined: the token's bytes). */
  private readonly texts: (string | undefined)[];

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
      raw: column.raw,
      key: target.keys.includes(column.name),
      inheritable: column.name in Object.prototype,
    }));
    this.direct = plan.behaviour !== 'update';
    this.keyColumns = this.columns.flatMap((column, index) => (column.key ? [index] : []));
    this.scanner = new DataScanner(this.columns.map((column) => column.name));
    this.texts = this.columns.map(() => undefined);
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
    const encode = function* (this: StreamTable): Generator<Buffer> {
      const out = new CopyChunks();
      for (let index = 0; index < records.length; index++) {
        const record = records[index]!;
        const suffix = staged ? `\t${index}\t${record.operation}\n` : LINE_END;
        const row = this.writeRow(out, index, record, suffix);
        if (row !== undefined && !Buffer.isBuffer(row)) {
          rejected.push(row);
          continue;
        }
        if (row) yield row;
        rows++;
      }
      const rest = out.take();
      if (rest) yield rest;
    };
    await pipeline(
      Readable.from(encode.call(this)),
      this.client.query(copyFrom(staged ? this.copySql.staged : this.copySql.direct)),
    );
    return { rejected, rows };
  }

  /**
   * Writes a record's COPY line into `out`: from its data's bytes when it has them and they
   * are plain enough, else from its parsed data. Returns a chunk to send first (filled before
   * this row), the reason the record cannot be written, or undefined.
   */
  private writeRow(
    out: CopyChunks,
    index: number,
    record: IncomingRecord,
    suffix: string,
  ): Buffer | Rejection | undefined {
    const fromBytes = record.bytes && this.fieldsFromBytes(index, record.bytes);
    if (fromBytes && fromBytes !== true) return fromBytes;
    if (fromBytes) {
      const { buffer } = record.bytes!;
      const { found, starts, ends } = this.scanner;
      let bound = record.bytes!.end - record.bytes!.start + suffix.length + this.columns.length * 3;
      for (const text of this.texts) if (text !== undefined) bound += text.length * 3;
      const full = out.reserve(bound);
      for (let i = 0; i < this.columns.length; i++) {
        if (i > 0) out.byte(TAB);
        const text = this.texts[i];
        if (text !== undefined) out.text(text);
        // A string's text without its quotes, except as JSON.
        else if (found[i] === Found.plainString && this.columns[i]!.raw === 'text')
          out.bytes(buffer, starts[i]! + 1, ends[i]! - 1);
        else out.bytes(buffer, starts[i]!, ends[i]!);
      }
      if (suffix === LINE_END) out.byte(LF);
      else out.text(suffix);
      return full;
    }
    const row = this.encode(index, record);
    if (typeof row !== 'string') return row;
    const full = out.reserve((row.length + suffix.length) * 3);
    out.text(row);
    out.text(suffix);
    return full;
  }

  /**
   * Reads a plain upsert's fields from its data's bytes into `texts` (undefined where the
   * token's own bytes are the field): true, a rejection as encode() would give, or undefined
   * when the record must be encoded from its parsed data (a key field empty, data it cannot
   * vouch for).
   */
  private fieldsFromBytes(index: number, bytes: RecordBytes): true | Rejection | undefined {
    if (!this.scanner.scan(bytes)) return undefined;
    const { found, starts, ends } = this.scanner;
    for (const key of this.keyColumns) {
      if (found[key] === Found.absent || found[key] === Found.null) return undefined;
    }
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i]!;
      const kind = found[i];
      if (kind === Found.absent || kind === Found.null) this.texts[i] = COPY_NULL;
      else if (tokenIsField(column.raw, kind)) this.texts[i] = undefined;
      else {
        let value: unknown;
        try {
          value = JSON.parse(bytes.buffer.toString('utf8', starts[i], ends[i]));
        } catch {
          return undefined;
        }
        try {
          this.texts[i] = column.encode(value);
        } catch (error) {
          if (!(error instanceof ValueError)) throw error;
          return { index, retryable: false, field: column.name, reason: `column "${column.name}": ${error.message}` };
        }
      }
    }
    return true;
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

/** Whether a column's field is the JSON token's own text (see rawFormOf and Found). */
function tokenIsField(raw: RawForm, found: number | undefined): boolean {
  if (found === Found.plainString || found === Found.plainToken) return raw !== undefined;
  return found === Found.plainJson && raw === 'jsonb';
}

/** A record's own field: a field named "__proto__" or "constructor" is data, never inherited. */
function field(data: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(data, name) ? data[name] : undefined;
}

function describeKey(keys: readonly string[], record: IncomingRecord): string {
  return keys.map((key) => `${key}=${JSON.stringify(field(record.data, key))}`).join(', ');
}
