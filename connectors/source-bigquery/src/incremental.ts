import type { TableField } from '@google-cloud/bigquery';
import type { AirbyteStateBlob } from '@backflow/protocol';
import { ConfigError } from '@backflow/protocol/connector';
import { quoteIdent } from './sql.js';
import type { QueryParameter } from './warehouse.js';

/** A value in its RECORD representation (protocol/docs/types.md). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The state blob of an incremental stream (the same shape as source-duckdb's): the position
 * of the last row a checkpoint covers, values in their RECORD representation.
 *
 * - `{ cursor_field, cursor_value }`: resume strictly after `cursor_value` (every row with
 *   that cursor value was read). `cursor_value: null` means only rows whose cursor is NULL
 *   were read so far: those are read on the first run only.
 * - plus `primary_key` and `primary_key_values`: resume strictly after the tuple
 *   (cursor_value, primary key values), so a checkpoint can fall between rows that share a
 *   cursor value.
 */
export type CursorState = {
  cursor_field: string;
  cursor_value: JsonValue;
  primary_key?: string[];
  primary_key_values?: JsonValue[];
};

/** A column that orders an incremental read, with the parameter type its values bind as. */
export interface KeyColumn {
  readonly name: string;
  readonly parameterType: string;
}

// Legacy type names of the API mapped to GoogleSQL parameter types; only these order and compare.
const PARAMETER_TYPES: Record<string, string> = {
  INTEGER: 'INT64',
  INT64: 'INT64',
  FLOAT: 'FLOAT64',
  FLOAT64: 'FLOAT64',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BOOLEAN: 'BOOL',
  BOOL: 'BOOL',
  STRING: 'STRING',
  BYTES: 'BYTES',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
};

/** The key column of `field`, or undefined when BigQuery cannot order by it (RECORD, JSON, arrays, ...). */
export function keyColumn(field: TableField): KeyColumn | undefined {
  const parameterType = PARAMETER_TYPES[field.type ?? ''];
  if (!parameterType || field.mode === 'REPEATED') return undefined;
  return { name: field.name!, parameterType };
}

/** Where a read resumes, decoded from the committed state. */
export type Resume =
  | { readonly kind: 'start' }
  | { readonly kind: 'non-null-cursor' }
  | { readonly kind: 'after-cursor'; readonly cursor: JsonValue }
  | { readonly kind: 'from-cursor'; readonly cursor: JsonValue }
  | { readonly kind: 'after-key'; readonly cursor: JsonValue; readonly key: readonly JsonValue[] };

/**
 * Decodes a committed state for a read ordered by `cursor` and `primaryKey` (empty when the
 * read is ordered by the cursor only). A state for another cursor field starts over; one
 * for another primary key resumes at its cursor value inclusive (rows with that value may
 * repeat, none is skipped).
 */
export function resumeFrom(
  state: AirbyteStateBlob | undefined,
  cursor: string,
  primaryKey: readonly string[],
  warn: (message: string) => void,
): Resume {
  if (state === undefined || Object.keys(state).length === 0) return { kind: 'start' };
  const blob = state as Partial<CursorState>;
  if (blob.cursor_field !== cursor) {
    warn(`the saved state is for cursor field "${String(blob.cursor_field)}", not "${cursor}": reading from the start`);
    return { kind: 'start' };
  }
  if (!('cursor_value' in blob)) throw new ConfigError(`the saved state for cursor "${cursor}" has no cursor_value`);
  const value = blob.cursor_value ?? null;
  if (value === null) return { kind: 'non-null-cursor' };
  if (blob.primary_key_values === undefined) return { kind: 'after-cursor', cursor: value };
  if (JSON.stringify(blob.primary_key) !== JSON.stringify(primaryKey)) {
    warn(
      `the saved state is for primary key ${JSON.stringify(blob.primary_key)}, not ${JSON.stringify(primaryKey)}: ` +
        `re-reading rows with cursor value ${JSON.stringify(value)}`,
    );
    return { kind: 'from-cursor', cursor: value };
  }
  if (blob.primary_key_values.length !== primaryKey.length) {
    throw new ConfigError('the saved state has a different number of primary key values than the primary key');
  }
  return { kind: 'after-key', cursor: value, key: blob.primary_key_values };
}

export interface Query {
  readonly sql: string;
  readonly parameters: QueryParameter[];
}

/**
 * The ordered query of an incremental read: rows after `resume`, ordered by (cursor, key),
 * with every value bound as a typed query parameter. NULL cursors sort first (read on the
 * first run only); NULL key values sort last within a cursor value and count as "after" any
 * key, so resuming never skips them.
 */
export function incrementalQuery(
  relation: string,
  select: readonly string[],
  cursor: KeyColumn,
  key: readonly KeyColumn[],
  resume: Resume,
): Query {
  const parameters: QueryParameter[] = [];
  const bind = (value: JsonValue, column: KeyColumn): string => {
    const name = `p${parameters.length}`;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    parameters.push({ name, parameterType: { type: column.parameterType }, parameterValue: { value: text } });
    return `@${name}`;
  };
  const c = quoteIdent(cursor.name);
  let where = '';
  switch (resume.kind) {
    case 'start':
      break;
    case 'non-null-cursor':
      where = `${c} IS NOT NULL`;
      break;
    case 'after-cursor':
      where = `${c} > ${bind(resume.cursor, cursor)}`;
      break;
    case 'from-cursor':
      where = `${c} >= ${bind(resume.cursor, cursor)}`;
      break;
    case 'after-key': {
      const value = bind(resume.cursor, cursor);
      where = `${c} > ${value} OR (${c} = ${value} AND ${afterKey(key, resume.key, bind)})`;
      break;
    }
  }
  const order = [`${c} ASC NULLS FIRST`, ...key.map((k) => `${quoteIdent(k.name)} ASC NULLS LAST`)].join(', ');
  const sql =
    `SELECT ${select.map(quoteIdent).join(', ')} FROM ${relation} AS src` +
    (where ? ` WHERE ${where}` : '') +
    ` ORDER BY ${order}`;
  return { sql, parameters };
}

function afterKey(
  key: readonly KeyColumn[],
  values: readonly JsonValue[],
  bind: (value: JsonValue, column: KeyColumn) => string,
): string {
  const [first, ...rest] = key;
  if (!first) return 'FALSE';
  const k = quoteIdent(first.name);
  const value = bind(values[0]!, first);
  const later = `${k} > ${value} OR ${k} IS NULL`;
  return rest.length === 0
    ? `(${later})`
    : `(${later} OR (${k} = ${value} AND ${afterKey(rest, values.slice(1), bind)}))`;
}

/** The cursor and key values of one row, in RECORD representation. */
export interface Position {
  readonly cursor: JsonValue;
  readonly key: readonly JsonValue[];
}

/**
 * Decides where checkpoints go in an ordered incremental read. With a usable key it
 * checkpoints after every `interval` rows at the exact (cursor, key) tuple; without one it
 * waits for the cursor value to change, so a checkpoint never splits rows sharing a value.
 */
export class CheckpointPlanner {
  private sinceCheckpoint = 0;
  private last: Position | undefined;

  constructor(
    private readonly cursorField: string,
    /** The key ordering the read, or undefined when it is ordered by cursor only. */
    private readonly primaryKey: readonly string[] | undefined,
    private readonly interval: number,
    private readonly initial: AirbyteStateBlob | undefined,
  ) {}

  /** A checkpoint to emit before the row at `position`, if the previous rows close a cursor value. */
  before(position: Position): CursorState | undefined {
    const last = this.last;
    if (!last || this.sinceCheckpoint < this.interval || last.cursor === position.cursor) return undefined;
    this.sinceCheckpoint = 0;
    return { cursor_field: this.cursorField, cursor_value: last.cursor };
  }

  /** A checkpoint to emit after the row at `position` (just emitted), if one is due. */
  after(position: Position): CursorState | undefined {
    this.last = position;
    this.sinceCheckpoint++;
    if (this.sinceCheckpoint < this.interval || !this.exact(position)) return undefined;
    this.sinceCheckpoint = 0;
    return this.keyed(position);
  }

  /** The checkpoint that closes the read: after its last row (unless one already covers it), or the state it started from. */
  final(): AirbyteStateBlob | undefined {
    const last = this.last;
    if (!last) return this.initial && Object.keys(this.initial).length > 0 ? this.initial : undefined;
    if (this.sinceCheckpoint === 0) return undefined;
    if (this.exact(last)) return this.keyed(last);
    return { cursor_field: this.cursorField, cursor_value: last.cursor };
  }

  private exact(position: Position): boolean {
    return this.primaryKey !== undefined && position.cursor !== null && position.key.every((value) => value !== null);
  }

  private keyed(position: Position): CursorState {
    return {
      cursor_field: this.cursorField,
      cursor_value: position.cursor,
      primary_key: [...(this.primaryKey ?? [])],
      primary_key_values: [...position.key],
    };
  }
}
