import type { DuckDBConnection, DuckDBResult, DuckDBType } from '@duckdb/node-api';
import {
  checkpointedRows,
  ConfigError,
  namedRowReader,
  planSqlRead,
  sqlSelect,
  TransientError,
  type Checkpoint,
  type JsonValue,
  type Logger,
  type StreamRead,
} from '@backflow/protocol/connector';
import type { ResolvedConfig } from './config.js';
import { duckdbMessage } from './duckdb-error.js';
import { duckdbDialect, duckdbTypes } from './incremental.js';
import { toJsonValue } from './json-value.js';
import { describeColumns, findStream, type StreamSource } from './streams.js';

type Row = Record<string, JsonValue>;

/**
 * Rows of one configured stream, pulled from a streaming DuckDB result one chunk (2,048
 * rows) at a time, so memory stays bounded whatever the table size. The SDK's SQL-source
 * kit plans the read and places the checkpoints.
 */
export async function* readStream(
  connection: DuckDBConnection,
  config: ResolvedConfig,
  request: StreamRead,
  logger: Logger,
  signal: AbortSignal,
): AsyncGenerator<Record<string, unknown> | Checkpoint> {
  const { stream } = request;
  const source = await findStream(connection, config, stream.stream.name, stream.stream.namespace);
  const columns = await describeColumns(connection, source);
  const plan = planSqlRead(
    {
      subject: `${source.kind} "${source.name}"`,
      columns,
      cursorField: source.cursorField,
      primaryKey: source.primaryKey,
    },
    request,
    duckdbTypes,
    { checkpointInterval: config.checkpointInterval, warn: (message) => logger.warn(message) },
  );
  const query = sqlSelect(plan, source.relation, duckdbDialect);
  let result: DuckDBResult;
  try {
    result = await connection.stream(query.sql, query.params);
  } catch (error) {
    throw queryError(source, error);
  }
  yield* checkpointedRows(rows(result, source, signal), plan, namedRowReader(plan));
}

/** The result's rows as objects of RECORD values, one chunk fetched at a time. */
async function* rows(result: DuckDBResult, source: StreamSource, signal: AbortSignal): AsyncGenerator<Row> {
  const names = result.columnNames();
  const types = result.columnTypes();
  for (;;) {
    if (signal.aborted) return;
    let chunk;
    try {
      chunk = await result.fetchChunk();
    } catch (error) {
      throw queryError(source, error);
    }
    if (!chunk || chunk.rowCount === 0) return;
    for (const values of chunk.getRows()) {
      const row: Row = {};
      values.forEach((value, i) => {
        row[names[i]!] = toJsonValue(value, types[i] as DuckDBType) as JsonValue;
      });
      yield row;
    }
  }
}

function queryError(source: StreamSource, error: unknown): Error {
  const message = `${source.kind} "${source.name}": ${duckdbMessage(error)}`;
  if (/out of memory/i.test(message)) return new TransientError(message, { cause: error });
  return new ConfigError(message, { cause: error });
}
