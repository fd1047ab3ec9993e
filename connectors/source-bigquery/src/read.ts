import {
  checkpointedRows,
  namedRowReader,
  planSqlRead,
  sqlSelect,
  type Checkpoint,
  type JsonValue,
  type Logger,
  type StreamRead,
} from '@backflow/protocol/connector';
import { bigQueryDialect, bigQueryTypes } from './incremental.js';
import { findSource } from './streams.js';
import { rowConverter, type WireRow } from './type-mapping.js';
import type { Warehouse } from './warehouse.js';

type Row = Record<string, JsonValue>;

/**
 * Rows of one configured stream from a query job, one page at a time. The SDK's SQL-source
 * kit plans the read and places the checkpoints.
 */
export async function* readStream(
  warehouse: Warehouse,
  request: StreamRead,
  logger: Logger,
): AsyncGenerator<Record<string, unknown> | Checkpoint> {
  const { stream } = request.stream;
  const source = await findSource(warehouse, stream.name, stream.namespace);
  const columns = source.fields.map((field) => ({ name: field.name!, field }));
  const plan = planSqlRead(
    { subject: source.subject, columns, cursorField: source.cursorField, primaryKey: source.primaryKey },
    request,
    bigQueryTypes,
    { checkpointInterval: warehouse.settings.checkpointInterval, warn: (message) => logger.warn(message) },
  );
  const query = sqlSelect(plan, source.relation, bigQueryDialect);
  yield* checkpointedRows(rows(warehouse, query.sql, source.subject, query.params), plan, namedRowReader(plan));
}

async function* rows(
  warehouse: Warehouse,
  sql: string,
  subject: string,
  parameters: Parameters<Warehouse['query']>[2],
): AsyncGenerator<Row> {
  let convert: ((row: WireRow) => Record<string, unknown>) | undefined;
  for await (const page of warehouse.query(sql, subject, parameters)) {
    convert ??= rowConverter(page.fields);
    for (const raw of page.rows) yield convert(raw) as Row;
  }
}
