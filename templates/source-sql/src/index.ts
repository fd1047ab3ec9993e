import type pg from 'pg';
import Cursor from 'pg-cursor';
import {
  checkpointedRows,
  ConfigError,
  defineSource,
  loadSpec,
  planSqlRead,
  sqlSelect,
  type RowReader,
  type SqlReadPlan,
} from '@backflow/protocol/connector';
import { connect, listRelations, rawText, type Column } from './database.js';
import type { Settings } from './settings.js';
import { decode, dialect, jsonSchemaFor, sqlTypes } from './types.js';

type Row = (string | null)[];

/**
 * {{title}}: each table and view of one schema is a stream, read in full or incrementally by
 * a cursor column. The SDK's SQL-source kit plans the read (selected columns, cursor, key,
 * resume point) and places the checkpoints; this file gives it the client, the quoting, the
 * parameter binding and the type mapping.
 */
export const source = defineSource<Settings>({
  spec: loadSpec(import.meta.url, '../spec.json'),

  async check({ config }) {
    const client = await connect(config);
    try {
      const relations = await listRelations(client, config.schema);
      return { ok: true, message: `${relations.length} table(s)/view(s) in schema "${config.schema}"` };
    } finally {
      await client.end();
    }
  },

  async discover({ config }) {
    const client = await connect(config);
    try {
      const relations = await listRelations(client, config.schema);
      return {
        streams: relations.map((relation) => ({
          name: relation.name,
          namespace: config.schema,
          json_schema: {
            type: 'object',
            properties: Object.fromEntries(relation.columns.map((column) => [column.name, jsonSchemaFor(column)])),
          },
          supported_sync_modes: ['full_refresh', 'incremental'],
          ...(relation.primaryKey.length ? { source_defined_primary_key: relation.primaryKey.map((c) => [c]) } : {}),
        })),
      };
    } finally {
      await client.end();
    }
  },

  async *read({ config, logger }, request) {
    const client = await connect(config);
    try {
      const name = request.stream.stream.name;
      const relation = (await listRelations(client, config.schema)).find((r) => r.name === name);
      if (!relation) throw new ConfigError(`stream "${name}" is not a table or view of schema "${config.schema}"`);
      const plan = planSqlRead(
        { subject: `table "${config.schema}.${name}"`, columns: relation.columns, primaryKey: relation.primaryKey },
        request,
        sqlTypes,
        { checkpointInterval: config.checkpoint_interval, warn: (message) => logger.warn(message) },
      );
      const query = sqlSelect(plan, `${dialect.quote(config.schema)}.${dialect.quote(name)}`, dialect);
      yield* checkpointedRows(rows(client, query.sql, query.params), plan, reader(plan));
    } finally {
      await client.end();
    }
  },
});

/** Rows from a server-side cursor, 1,000 at a time, so memory stays flat whatever the table size. */
async function* rows(client: pg.Client, sql: string, params: string[]): AsyncGenerator<Row> {
  const cursor = client.query(new Cursor<Row>(sql, params, { rowMode: 'array', types: rawText }));
  try {
    for (let batch = await cursor.read(1000); batch.length > 0; batch = await cursor.read(1000)) yield* batch;
  } finally {
    await cursor.close().catch(() => undefined);
  }
}

/** Records from raw rows; positions keep the database's text, which binds back exactly. */
function reader(plan: SqlReadPlan<Column>): RowReader<Row> {
  const selected = plan.select;
  const emitted = plan.emitted.map((name) => selected.findIndex((column) => column.name === name));
  const cursor = selected.findIndex((column) => column.name === plan.incremental?.cursor.name);
  const key = plan.incremental?.key.map((k) => selected.findIndex((column) => column.name === k.name)) ?? [];
  // A read ordered by cursor only carries the database's "new cursor value" flag last.
  const flagged = plan.incremental !== undefined && key.length === 0;
  return {
    record: (row) => Object.fromEntries(emitted.map((i) => [selected[i]!.name, decode(selected[i]!, row[i]!)])),
    position: (row) => ({
      cursor: row[cursor]!,
      key: key.map((i) => row[i]!),
      ...(flagged ? { startsCursorValue: row[selected.length] === 't' } : {}),
    }),
  };
}
