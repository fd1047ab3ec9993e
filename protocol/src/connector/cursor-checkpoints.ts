import type { AirbyteStateBlob } from '../types.js';
import { ConfigError } from './errors.js';

// Incremental reads by a cursor column, shared by the SQL sources: the state they commit,
// how a read resumes from it, and where checkpoints may fall so that no row is skipped or
// read twice when rows share a cursor value. Building the query stays with each source.

/** A value in its RECORD representation (protocol/docs/types.md). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The state blob of an incremental stream: the position of the last row a checkpoint
 * covers. Values are in their RECORD representation (protocol/docs/types.md).
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

/** Where a read resumes, decoded from the committed state. */
export type Resume =
  | { readonly kind: 'start' }
  | { readonly kind: 'non-null-cursor' }
  | { readonly kind: 'after-cursor'; readonly cursor: JsonValue }
  | { readonly kind: 'from-cursor'; readonly cursor: JsonValue }
  | { readonly kind: 'after-key'; readonly cursor: JsonValue; readonly key: readonly JsonValue[] };

/**
 * Decodes a committed state for a stream read with `cursor` and `primaryKey` (empty when
 * the read does not order by a key). A state written for another cursor field starts over;
 * one written for another primary key resumes at its cursor value inclusive (rows with that
 * value may repeat, none is skipped).
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
  return { kind: 'after-key', cursor: value, key: blob.primary_key_values };
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

  /** A checkpoint to emit after the row at `position` (which has just been emitted), if one is due. */
  after(position: Position): CursorState | undefined {
    this.last = position;
    this.sinceCheckpoint++;
    if (this.sinceCheckpoint < this.interval || !this.exact(position)) return undefined;
    this.sinceCheckpoint = 0;
    return this.keyed(position);
  }

  /**
   * The checkpoint that closes the read: after its last row (unless one already covers it),
   * or the state it started from when no row was new.
   */
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

/** How one SQL dialect names a column and binds a value, for {@link incrementalSelect}. */
export interface SqlDialect<Column extends { readonly name: string }> {
  quote(identifier: string): string;
  /** Binds `value` (RECORD representation) as a parameter typed like `column`; returns its placeholder. */
  bind(value: JsonValue, column: Column): string;
}

/**
 * The ordered SELECT of an incremental read: rows after `resume`, ordered by (cursor, key).
 * NULL cursors sort first (read on the first run only); NULL key values sort last within a
 * cursor value and count as "after" any key, so resuming never skips them.
 */
export function incrementalSelect<Column extends { readonly name: string }>(
  relation: string,
  select: readonly string[],
  cursor: Column,
  key: readonly Column[],
  resume: Resume,
  dialect: SqlDialect<Column>,
): string {
  const c = dialect.quote(cursor.name);
  let where = '';
  switch (resume.kind) {
    case 'start':
      break;
    case 'non-null-cursor':
      where = `${c} IS NOT NULL`;
      break;
    case 'after-cursor':
      where = `${c} > ${dialect.bind(resume.cursor, cursor)}`;
      break;
    case 'from-cursor':
      where = `${c} >= ${dialect.bind(resume.cursor, cursor)}`;
      break;
    case 'after-key': {
      if (resume.key.length !== key.length) {
        throw new ConfigError('the saved state has a different number of primary key values');
      }
      const value = dialect.bind(resume.cursor, cursor);
      where = `${c} > ${value} OR (${c} = ${value} AND ${afterKey(key, resume.key, dialect)})`;
      break;
    }
  }
  const order = [`${c} ASC NULLS FIRST`, ...key.map((k) => `${dialect.quote(k.name)} ASC NULLS LAST`)].join(', ');
  return (
    `SELECT ${select.map((column) => dialect.quote(column)).join(', ')} FROM ${relation} AS src` +
    (where ? ` WHERE ${where}` : '') +
    ` ORDER BY ${order}`
  );
}

function afterKey<Column extends { readonly name: string }>(
  key: readonly Column[],
  values: readonly JsonValue[],
  dialect: SqlDialect<Column>,
): string {
  const [first, ...rest] = key;
  if (!first) return 'FALSE';
  const k = dialect.quote(first.name);
  const value = dialect.bind(values[0]!, first);
  const later = `${k} > ${value} OR ${k} IS NULL`;
  return rest.length === 0
    ? `(${later})`
    : `(${later} OR (${k} = ${value} AND ${afterKey(rest, values.slice(1), dialect)}))`;
}
