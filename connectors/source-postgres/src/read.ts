import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  checkpointedRows,
  planSqlRead,
  sqlSelect,
  type Checkpoint,
  type Logger,
  type RowReader,
  type SqlReadPlan,
  type StreamRead,
} from '@backflow/protocol/connector';
import { connect } from './connection.js';
import { copyTextRows, type RawRow } from './copy-text.js';
import { describeSelect } from './describe.js';
import { toConnectorError } from './errors.js';
import { postgresDialect, postgresTypes, type PgColumn } from './incremental.js';
import type { Settings } from './settings.js';
import { streamSource } from './stream-source.js';
import { decoderFor } from './type-mapping.js';
import { resolveTypes } from './type-registry.js';

/**
 * Rows of one configured stream through `COPY (SELECT …) TO STDOUT` in text format: the
 * server streams rows without a round trip per batch and the stream's backpressure keeps
 * memory flat whatever the table size. The SDK's SQL-source kit plans the
 * read (selected columns, cursor, key, resume point) and places the checkpoints; this file
 * gives it Postgres' columns, quoting, binding and row decoding.
 */
export async function* readStream(
  settings: Settings,
  request: StreamRead,
  logger: Logger,
): AsyncGenerator<Record<string, unknown> | Checkpoint> {
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
    yield* checkpointedRows(copyRows(client, query.sql), plan, rowReader(plan));
  } catch (error) {
    throw toConnectorError(error, source.scope(statement));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Decodes raw text rows into records; positions keep the raw text, which binds back exactly.
 * A read ordered by cursor only has Postgres' "new cursor value" flag as its last column.
 */
function rowReader(plan: SqlReadPlan<PgColumn>): RowReader<RawRow> {
  const names = plan.select.map((column) => column.name);
  const emitted = plan.emitted.map((name) => names.indexOf(name));
  const decoders = plan.select.map((column) => decoderFor(column.type));
  const cursor = plan.incremental ? names.indexOf(plan.incremental.cursor.name) : -1;
  const key = plan.incremental?.key.map((column) => names.indexOf(column.name)) ?? [];
  const flagged = plan.incremental !== undefined && key.length === 0;
  return {
    record(row) {
      const record: Record<string, unknown> = {};
      for (const i of emitted) {
        const raw = row[i]!;
        const value = raw === null ? null : decoders[i]!(raw);
        // Assigning `record["__proto__"]` would replace the prototype instead of adding a column.
        if (names[i] === '__proto__')
          Object.defineProperty(record, '__proto__', { value, enumerable: true, writable: true, configurable: true });
        else record[names[i]!] = value;
      }
      return record;
    },
    position: (row) => ({
      cursor: row[cursor]!,
      key: key.map((i) => row[i]!),
      ...(flagged ? { startsCursorValue: row[names.length] === 't' } : {}),
    }),
  };
}

/** Rows of `COPY (sql) TO STDOUT`; the copy is abandoned when the consumer stops early. */
async function* copyRows(client: pg.Client, sql: string): AsyncGenerator<RawRow> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
  try {
    for await (const rows of copyTextRows(stream)) yield* rows;
  } finally {
    stream.destroy();
  }
}
