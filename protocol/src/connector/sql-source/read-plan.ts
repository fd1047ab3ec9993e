import type { ConfiguredAirbyteStream } from '../../types.js';
import type { StreamRead } from '../definitions.js';
import { ConfigError } from '../errors.js';
import { CheckpointPlanner } from './checkpoint-planner.js';
import { resumeFrom, type Resume } from './cursor-state.js';

/** A column of a relation, as the source describes it; sources add their own type information. */
export interface SqlColumn {
  readonly name: string;
}

/** A relation an SQL source reads a stream from, with what the source itself knows of its keys. */
export interface SqlStream<Column extends SqlColumn> {
  /** Names the stream in errors: `table "public.events"`, `model "active_users"`. */
  readonly subject: string;
  /** Every column of the relation, in its order. */
  readonly columns: readonly Column[];
  /** The cursor the source declares (a model's `cursor_field`); tables leave the choice to the user. */
  readonly cursorField?: string | undefined;
  /** The key the source declares (a table's primary key, a model's `primary_key`). */
  readonly primaryKey?: readonly string[];
}

/** What a source tells the planner about its types. */
export interface SqlTypes<Column extends SqlColumn> {
  /** Whether the database orders and compares `column` the way its bound values do, so a read can resume from one. */
  orderable(column: Column): boolean;
  /** The column's type as the database names it, for error messages. */
  typeName(column: Column): string;
}

/** How an incremental read is ordered and resumed. */
export interface IncrementalReadPlan<Column extends SqlColumn> {
  readonly cursor: Column;
  /** The key ordering rows that share a cursor value; empty when the read is ordered by cursor only. */
  readonly key: readonly Column[];
  readonly resume: Resume;
  readonly planner: CheckpointPlanner;
}

/** What to select for one configured stream, and how to checkpoint it. */
export interface SqlReadPlan<Column extends SqlColumn> {
  /** The columns that go into records, in the relation's order. */
  readonly emitted: readonly string[];
  /** The columns to select: the emitted ones, then the cursor and key columns the catalog left out. */
  readonly select: readonly Column[];
  readonly incremental: IncrementalReadPlan<Column> | undefined;
}

/**
 * Plans the read of one configured stream: the selected columns (every column when the
 * stream's schema lists no properties, an error when it lists an empty set or columns the
 * relation no longer has), and for incremental reads the cursor, the key that breaks ties
 * (dropped with a warning when the database cannot order by it), where to resume from the
 * committed state, and the checkpoint planner.
 */
export function planSqlRead<Column extends SqlColumn>(
  stream: SqlStream<Column>,
  request: StreamRead,
  types: SqlTypes<Column>,
  options: { readonly checkpointInterval: number; readonly warn: (message: string) => void },
): SqlReadPlan<Column> {
  const configured = request.stream;
  const byName = new Map(stream.columns.map((column) => [column.name, column]));
  const emitted = selectedColumns(stream, configured);
  if (configured.sync_mode !== 'incremental') {
    return { emitted, select: emitted.map((name) => byName.get(name)!), incremental: undefined };
  }
  const cursorName = cursorFieldOf(stream, configured);
  const cursor = byName.get(cursorName);
  if (!cursor) throw new ConfigError(`${stream.subject}: cursor field "${cursorName}" is not one of its columns`);
  if (!types.orderable(cursor)) {
    throw new ConfigError(
      `${stream.subject}: cursor field "${cursorName}" has type ${types.typeName(cursor)}, which cannot be used as a cursor`,
    );
  }
  const keyNames = primaryKeyOf(stream, configured).filter((name) => name !== cursorName);
  const keyColumns = keyNames.map((name) => {
    const column = byName.get(name);
    if (!column) throw new ConfigError(`${stream.subject}: primary key column "${name}" is not one of its columns`);
    return column;
  });
  // A key the database cannot order by is not used: checkpoints then fall between cursor values.
  const key = keyColumns.every((column) => types.orderable(column)) ? keyColumns : [];
  if (keyColumns.length > 0 && key.length === 0) {
    options.warn(
      `${stream.subject}: primary key ${JSON.stringify(keyNames)} cannot order the read; checkpointing between cursor values only`,
    );
  }
  const keyList = key.map((column) => column.name);
  const selected = [...new Set([...emitted, cursorName, ...keyList])];
  return {
    emitted,
    select: selected.map((name) => byName.get(name)!),
    incremental: {
      cursor,
      key,
      resume: resumeFrom(request.state, cursorName, keyList, options.warn),
      planner: new CheckpointPlanner(
        cursorName,
        key.length > 0 ? keyList : undefined,
        options.checkpointInterval,
        request.state,
      ),
    },
  };
}

function selectedColumns<Column extends SqlColumn>(
  stream: SqlStream<Column>,
  configured: ConfiguredAirbyteStream,
): string[] {
  const names = stream.columns.map((column) => column.name);
  const properties = (configured.stream.json_schema as { properties?: unknown }).properties;
  if (properties === undefined || properties === null || typeof properties !== 'object') return names;
  const wanted = Object.keys(properties);
  if (wanted.length === 0) {
    throw new ConfigError(
      `${stream.subject}: the configured catalog selects no column (its json_schema has empty "properties"); ` +
        'list the columns to read, or leave "properties" out to read them all',
    );
  }
  const available = new Set(names);
  const missing = wanted.filter((name) => !available.has(name));
  if (missing.length > 0) {
    throw new ConfigError(
      `${stream.subject}: columns ${missing.map((name) => `"${name}"`).join(', ')} are in the catalog but no longer in the stream; run discover again`,
    );
  }
  return names.filter((name) => wanted.includes(name));
}

function cursorFieldOf<Column extends SqlColumn>(
  stream: SqlStream<Column>,
  configured: ConfiguredAirbyteStream,
): string {
  const chosen = configured.cursor_field ?? [];
  const declared = stream.cursorField ?? configured.stream.default_cursor_field?.[0];
  if (declared !== undefined && (configured.stream.source_defined_cursor || chosen.length === 0)) return declared;
  if (chosen.length === 0) {
    throw new ConfigError(
      `${stream.subject}: incremental sync needs a cursor_field in the configured catalog; name the column to resume from`,
    );
  }
  if (chosen.length > 1) {
    throw new ConfigError(`${stream.subject}: nested cursor fields are not supported (${chosen.join('.')})`);
  }
  return chosen[0]!;
}

function primaryKeyOf<Column extends SqlColumn>(
  stream: SqlStream<Column>,
  configured: ConfiguredAirbyteStream,
): string[] {
  const paths = configured.primary_key?.length
    ? configured.primary_key
    : configured.stream.source_defined_primary_key?.length
      ? configured.stream.source_defined_primary_key
      : (stream.primaryKey ?? []).map((column) => [column]);
  return paths.map((path) => {
    if (path.length !== 1) {
      throw new ConfigError(`${stream.subject}: nested primary key fields are not supported (${path.join('.')})`);
    }
    return path[0]!;
  });
}
