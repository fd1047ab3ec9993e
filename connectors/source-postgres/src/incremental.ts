import type { AirbyteStateBlob, ConfiguredAirbyteStream } from '@backflow/protocol';
import { ConfigError, type Logger } from '@backflow/protocol/connector';
import type { Model } from './generated/config.js';
import { quoteIdent } from './sql.js';

/**
 * The state of an incremental stream (documented in the README). Values are Postgres' own
 * text output of the column (UTC, ISO DateStyle), so they round-trip exactly as parameters.
 */
export interface CursorState {
  /** Column the position refers to; a state for another column is ignored. */
  readonly cursor_field: string;
  /** Every row whose cursor is below this value, or equal to it, was emitted (see `primary_key_values`); null: none yet. */
  readonly cursor: string | null;
  /** Tie-breaker columns; present only when the position is inside a run of equal cursor values. */
  readonly primary_key?: readonly string[];
  /** With `primary_key`: rows with (cursor, key) up to and including this tuple were emitted. */
  readonly primary_key_values?: readonly string[];
}

/** How an incremental stream is ordered and resumed. */
export interface IncrementalPlan {
  readonly cursorField: string;
  /** Makes (cursor, key) unique, so checkpoints can fall between rows sharing a cursor value. */
  readonly primaryKey: readonly string[];
}

/** The cursor and tie-breaker key of an incremental stream, from the catalog or the model config. */
export function incrementalPlan(configured: ConfiguredAirbyteStream, model: Model | undefined): IncrementalPlan {
  const stream = configured.stream;
  const path = configured.cursor_field?.length ? configured.cursor_field : stream.default_cursor_field;
  const cursorField = path?.length ? path : model?.cursor_field ? [model.cursor_field] : undefined;
  if (!cursorField) {
    throw new ConfigError(
      `stream "${stream.name}" is incremental but has no cursor_field; name the column to resume from`,
    );
  }
  if (cursorField.length !== 1) {
    throw new ConfigError(
      `stream "${stream.name}": cursor_field must be a top-level column, got ${JSON.stringify(cursorField)}`,
    );
  }
  const keyPaths = configured.primary_key?.length
    ? configured.primary_key
    : stream.source_defined_primary_key?.length
      ? stream.source_defined_primary_key
      : (model?.primary_key ?? []).map((column) => [column]);
  const primaryKey = keyPaths.map((keyPath) => {
    if (keyPath.length !== 1) {
      throw new ConfigError(
        `stream "${stream.name}": primary key parts must be top-level columns, got ${JSON.stringify(keyPath)}`,
      );
    }
    return keyPath[0]!;
  });
  return { cursorField: cursorField[0]!, primaryKey: primaryKey.filter((column) => column !== cursorField[0]) };
}

/** Reads a committed state blob; anything unusable means "start from the beginning". */
export function parseCursorState(
  blob: AirbyteStateBlob | undefined,
  plan: IncrementalPlan,
  logger: Logger,
): CursorState | undefined {
  if (!blob) return undefined;
  const state = blob as Partial<CursorState>;
  if (state.cursor_field !== plan.cursorField) {
    logger.warn(
      `state is for cursor "${String(state.cursor_field)}", not "${plan.cursorField}": reading from the beginning`,
    );
    return undefined;
  }
  if (state.cursor === null || state.cursor === undefined) return undefined;
  if (typeof state.cursor !== 'string')
    throw new ConfigError(`state for cursor "${plan.cursorField}" holds a non-string cursor value`);
  return state as CursorState;
}

/**
 * The WHERE clause and parameters that continue after `state`. `castOf(column)` is the SQL
 * type to cast a parameter for that column to.
 */
export function resumeFilter(
  plan: IncrementalPlan,
  state: CursorState | undefined,
  castOf: (column: string) => string,
  logger: Logger,
): { where: string; params: string[] } {
  const cursor = quoteIdent(plan.cursorField);
  const notNull = `${cursor} IS NOT NULL`;
  if (!state || state.cursor === null) return { where: notNull, params: [] };
  const param = (column: string, index: number) => `CAST($${index} AS ${castOf(column)})`;
  const values = state.primary_key_values;
  if (!values) return { where: `${notNull} AND ${cursor} > ${param(plan.cursorField, 1)}`, params: [state.cursor] };
  const sameKey =
    state.primary_key?.length === plan.primaryKey.length &&
    state.primary_key.every((column, i) => column === plan.primaryKey[i]);
  if (!sameKey || values.length !== plan.primaryKey.length) {
    // The position lies inside a run of equal cursor values, identified by a key that is no
    // longer the stream's: re-read the whole run (duplicates possible, nothing skipped).
    logger.warn(
      `state was checkpointed with key ${JSON.stringify(state.primary_key)}; re-reading rows whose cursor equals ${state.cursor}`,
    );
    return { where: `${notNull} AND ${cursor} >= ${param(plan.cursorField, 1)}`, params: [state.cursor] };
  }
  const columns = [plan.cursorField, ...plan.primaryKey];
  const left = columns.map(quoteIdent).join(', ');
  const right = columns.map((column, i) => param(column, i + 1)).join(', ');
  return { where: `${notNull} AND (${left}) > (${right})`, params: [state.cursor, ...values] };
}
