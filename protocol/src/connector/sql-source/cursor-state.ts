import type { AirbyteStateBlob } from '../../types.js';
import { ConfigError } from '../errors.js';

/** A value in its RECORD representation (protocol/docs/types.md). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The state blob of an incremental SQL stream, the same for every SQL source: the position
 * of the last row a checkpoint covers. Values are as the source binds them back into its
 * query (the RECORD representation, or the database's own text form where that is what
 * round-trips exactly).
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
 * The committed state in today's shape. source-postgres 0.1 wrote the cursor as `cursor`;
 * such a state is read as `cursor_value`, so upgrading a connector never restarts a sync.
 */
export function migrateCursorState(state: AirbyteStateBlob | undefined): AirbyteStateBlob | undefined {
  if (state === undefined || Object.keys(state).length === 0) return undefined;
  if (!('cursor_value' in state) && 'cursor' in state) {
    const { cursor, ...rest } = state as Record<string, unknown>;
    return { ...rest, cursor_value: cursor ?? null };
  }
  return state;
}

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
  const blob = migrateCursorState(state) as Partial<CursorState> | undefined;
  if (blob === undefined) return { kind: 'start' };
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
    throw new ConfigError('the saved state has a different number of primary key values than its primary key');
  }
  return { kind: 'after-key', cursor: value, key: blob.primary_key_values };
}
