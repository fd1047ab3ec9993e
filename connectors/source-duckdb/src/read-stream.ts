import type { DuckDBConnection, DuckDBResult, DuckDBType } from '@duckdb/node-api';
import type { ConfiguredAirbyteStream } from '@backflow/protocol';
import {
  checkpoint,
  ConfigError,
  TransientError,
  type Checkpoint,
  type Logger,
  type StreamRead,
  CheckpointPlanner,
  resumeFrom,
  type JsonValue,
} from '@backflow/protocol/connector';
import type { ResolvedConfig } from './config.js';
import { duckdbMessage } from './duckdb-error.js';
import { incrementalQuery, isOrderable, type KeyColumn, type Query } from './incremental.js';
import { toJsonValue } from './json-value.js';
import { quoteIdent } from './sql.js';
import { describeColumns, findStream, type Column, type StreamSource } from './streams.js';

type Row = Record<string, JsonValue>;

interface ReadPlan {
  readonly query: Query;
  /** Names of the selected columns that go into records (the rest only order the read). */
  readonly emitted: ReadonlySet<string>;
  readonly planner: CheckpointPlanner | undefined;
  readonly cursor: string | undefined;
  readonly key: readonly string[];
}

/**
 * Rows of one configured stream, pulled from a streaming DuckDB result one chunk (2,048
 * rows) at a time, so memory stays bounded whatever the table size. Incremental reads are
 * ordered by (cursor, key) and interleaved with checkpoints.
 */
export async function* readStream(
  connection: DuckDBConnection,
  config: ResolvedConfig,
  request: StreamRead,
  logger: Logger,
  signal: AbortSignal,
): AsyncGenerator<Row | Checkpoint> {
  const { stream } = request;
  const source = await findStream(connection, config, stream.stream.name, stream.stream.namespace);
  const columns = await describeColumns(connection, source);
  const plan = planRead(source, columns, request, config.checkpointInterval, (message) => logger.warn(message));
  let result: DuckDBResult;
  try {
    result = await connection.stream(plan.query.sql, plan.query.params);
  } catch (error) {
    throw queryError(source, error);
  }
  const names = result.columnNames();
  const types = result.columnTypes();
  const cursorIndex = plan.cursor === undefined ? -1 : names.indexOf(plan.cursor);
  const keyIndexes = plan.key.map((name) => names.indexOf(name));
  for (;;) {
    if (signal.aborted) return;
    let chunk;
    try {
      chunk = await result.fetchChunk();
    } catch (error) {
      throw queryError(source, error);
    }
    if (!chunk || chunk.rowCount === 0) break;
    for (const values of chunk.getRows()) {
      const converted = values.map((value, i) => toJsonValue(value, types[i] as DuckDBType));
      const row: Row = {};
      names.forEach((name, i) => {
        if (plan.emitted.has(name)) row[name] = converted[i] as JsonValue;
      });
      if (!plan.planner) {
        yield row;
        continue;
      }
      const position = {
        cursor: converted[cursorIndex] as JsonValue,
        key: keyIndexes.map((i) => converted[i] as JsonValue),
      };
      const before = plan.planner.before(position);
      if (before) yield checkpoint(before);
      yield row;
      const after = plan.planner.after(position);
      if (after) yield checkpoint(after);
    }
  }
  const final = plan.planner?.final();
  if (final) yield checkpoint(final);
}

function planRead(
  source: StreamSource,
  columns: readonly Column[],
  request: StreamRead,
  interval: number,
  warn: (message: string) => void,
): ReadPlan {
  const byName = new Map(columns.map((column) => [column.name, column]));
  const emitted = selectedColumns(request.stream, columns, source);
  if (request.stream.sync_mode !== 'incremental') {
    const select = [...emitted].map(quoteIdent).join(', ');
    return {
      query: { sql: `SELECT ${select} FROM ${source.relation} AS src`, params: [] },
      emitted,
      planner: undefined,
      cursor: undefined,
      key: [],
    };
  }
  const cursorName = cursorFieldOf(request.stream, source);
  const cursor = byName.get(cursorName);
  if (!cursor) throw new ConfigError(`stream "${source.name}": cursor field "${cursorName}" is not one of its columns`);
  if (!isOrderable(cursor.type)) {
    throw new ConfigError(
      `stream "${source.name}": cursor field "${cursorName}" has type ${cursor.type.toString()}, which cannot be used as a cursor`,
    );
  }
  const keyNames = primaryKeyOf(request.stream, source);
  const keyColumns = keyNames.map((name) => byName.get(name));
  // A key we cannot order and compare by is not used: checkpoints then fall between cursor values.
  const key: KeyColumn[] | undefined =
    keyColumns.every((column) => column !== undefined && isOrderable(column.type)) && keyColumns.length > 0
      ? (keyColumns as Column[])
      : undefined;
  if (keyNames.length > 0 && !key)
    warn(
      `stream "${source.name}": primary key ${JSON.stringify(keyNames)} cannot order the read; checkpointing between cursor values only`,
    );
  const keyList = key?.map((column) => column.name) ?? [];
  const resume = resumeFrom(request.state, cursorName, keyList, warn);
  const select = [...new Set([...emitted, cursorName, ...keyList])];
  return {
    query: incrementalQuery(source.relation, select, cursor, key ?? [], resume),
    emitted,
    planner: new CheckpointPlanner(cursorName, key ? keyList : undefined, interval, request.state),
    cursor: cursorName,
    key: keyList,
  };
}

/** The columns the configured catalog keeps (all when its schema lists no properties). */
function selectedColumns(
  stream: ConfiguredAirbyteStream,
  columns: readonly Column[],
  source: StreamSource,
): Set<string> {
  const properties = (stream.stream.json_schema as { properties?: Record<string, unknown> }).properties;
  if (!properties) return new Set(columns.map((column) => column.name));
  const available = new Set(columns.map((column) => column.name));
  const missing = Object.keys(properties).filter((name) => !available.has(name));
  if (missing.length > 0) {
    throw new ConfigError(
      `stream "${source.name}": columns ${missing.map((m) => `"${m}"`).join(', ')} are in the catalog but no longer in the ${source.kind}; run discover again`,
    );
  }
  return new Set(columns.map((column) => column.name).filter((name) => name in properties));
}

function cursorFieldOf(stream: ConfiguredAirbyteStream, source: StreamSource): string {
  const configured = stream.cursor_field ?? [];
  if (source.cursorField !== undefined && (stream.stream.source_defined_cursor || configured.length === 0))
    return source.cursorField;
  if (configured.length === 0) {
    throw new ConfigError(`stream "${source.name}": incremental sync needs a cursor_field in the configured catalog`);
  }
  if (configured.length > 1)
    throw new ConfigError(`stream "${source.name}": nested cursor fields are not supported (${configured.join('.')})`);
  return configured[0]!;
}

function primaryKeyOf(stream: ConfiguredAirbyteStream, source: StreamSource): string[] {
  const configured = stream.primary_key ?? [];
  if (configured.length === 0) return [...source.primaryKey];
  return configured.map((path) => {
    if (path.length !== 1)
      throw new ConfigError(`stream "${source.name}": nested primary key fields are not supported (${path.join('.')})`);
    return path[0]!;
  });
}

function queryError(source: StreamSource, error: unknown): Error {
  const message = `${source.kind} "${source.name}": ${duckdbMessage(error)}`;
  if (/out of memory/i.test(message)) return new TransientError(message, { cause: error });
  return new ConfigError(message, { cause: error });
}
