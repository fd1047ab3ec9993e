import type pg from 'pg';
import {
  checkpointedLines,
  planSqlRead,
  recordLinePrefix,
  sqlSelect,
  type Checkpoint,
  type EncodedRows,
  type Logger,
  type RecordLines,
  type SqlReadPlan,
  type StreamRead,
} from '@backflow/protocol/connector';
import { connect } from './connection.js';
import { RecordLineEncoder } from './copy-json.js';
import { CopyOut } from './copy-out.js';
import { describeSelect } from './describe.js';
import { toConnectorError } from './errors.js';
import { postgresDialect, postgresTypes, type PgColumn } from './incremental.js';
import type { Settings } from './settings.js';
import { streamSource } from './stream-source.js';
import { codecFor } from './type-mapping.js';
import { resolveTypes } from './type-registry.js';

/**
 * Rows of one configured stream through `COPY (SELECT …) TO STDOUT` in text format: the
 * server streams rows without a round trip per batch and the stream's backpressure keeps
 * memory flat whatever the table size. The SDK's SQL-source kit plans the
 * read (selected columns, cursor, key, resume point) and places the checkpoints; this file
 * gives it Postgres' columns, quoting and binding, and writes each chunk of COPY text
 * straight into RECORD lines.
 */
export async function* readStream(
  settings: Settings,
  request: StreamRead,
  logger: Logger,
): AsyncGenerator<RecordLines | Checkpoint> {
  const source = streamSource(settings, request.stream.stream);
  const client = await connect(settings);
  let statement = `SELECT * FROM ${source.from} AS src`;
  try {
    const fields = await describeSelect(client, statement);
    const types = await resolveTypes(
      client,
      fields.map((field) => field.typeOid),
    );
    const columns = fields.map((field) => ({ name: field.name, type: types.get(field.typeOid)! }));
    const plan = planSqlRead(
      {
        subject: source.subject,
        columns,
        cursorField: source.model?.cursor_field,
        primaryKey: source.model?.primary_key ?? [],
      },
      request,
      postgresTypes,
      { checkpointInterval: settings.checkpointInterval, warn: (message) => logger.warn(message) },
    );
    const query = sqlSelect(plan, source.from, postgresDialect);
    statement = query.sql;
    const encoder = recordEncoder(plan, recordLinePrefix(request.stream.stream));
    yield* checkpointedLines(copyRecordLines(client, query.sql, encoder), plan);
  } catch (error) {
    throw toConnectorError(error, source.scope(statement));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Writes the emitted columns of each row; positions keep the raw text, which binds back
 * exactly. A read ordered by cursor only has Postgres' "new cursor value" flag as its last field.
 */
function recordEncoder(plan: SqlReadPlan<PgColumn>, prefix: string): RecordLineEncoder {
  const names = plan.select.map((column) => column.name);
  const columns = plan.select.map((column, i) => ({
    name: column.name,
    emitted: i < plan.emitted.length,
    ...codecFor(column.type),
  }));
  if (!plan.incremental) return new RecordLineEncoder(prefix, columns, names.length);
  const cursor = names.indexOf(plan.incremental.cursor.name);
  const key = plan.incremental.key.map((column) => names.indexOf(column.name));
  const flagged = key.length === 0;
  return new RecordLineEncoder(prefix, columns, names.length + (flagged ? 1 : 0), (text) => ({
    cursor: text(cursor),
    key: key.map((field) => text(field)),
    ...(flagged ? { startsCursorValue: text(names.length) === 't' } : {}),
  }));
}

/**
 * RECORD lines of `COPY (sql) TO STDOUT`, a batch of socket reads at a time; a consumer that
 * stops early leaves the copy to `client.end()`, which drops the connection.
 */
async function* copyRecordLines(
  client: pg.Client,
  sql: string,
  encoder: RecordLineEncoder,
): AsyncGenerator<EncodedRows> {
  const copy = client.query(new CopyOut(`COPY (${sql}) TO STDOUT`));
  for await (const runs of copy.batches()) yield encoder.encode(runs, Date.now());
}
