import { ConfigError, defineDestination, loadSpec, type Rejection } from '@backflow/protocol/connector';
import { connect, listTables, upsertStatement } from './database.js';
import type { Settings } from './settings.js';

/**
 * {{title}}: each stream is upserted into the table of its name (matched by the table's
 * primary key), in one transaction per checkpoint. A record the database refuses is
 * rolled back to its savepoint and rejected with the database's reason; the batch goes on.
 */
export const destination = defineDestination<Settings>({
  spec: loadSpec(import.meta.url, '../spec.json'),

  async check({ config }) {
    const client = await connect(config);
    try {
      const tables = await listTables(client, config.schema);
      return { ok: true, message: `${tables.length} table(s) with a primary key in schema "${config.schema}"` };
    } finally {
      await client.end();
    }
  },

  async discover({ config }) {
    const client = await connect(config);
    try {
      const tables = await listTables(client, config.schema);
      return {
        operations: tables.map((table) => ({
          object_name: table.name,
          sync_mode: 'append_dedup' as const,
          matching_keys: table.primaryKey.map((column) => [column]),
          json_schema: {
            type: 'object',
            required: table.columns.filter((c) => !c.nullable).map((c) => c.name),
            properties: Object.fromEntries(
              table.columns.map((c) => [
                c.name,
                { type: c.nullable ? [c.type, 'null'] : c.type, ...(c.format ? { format: c.format } : {}) },
              ]),
            ),
          },
        })),
      };
    } finally {
      await client.end();
    }
  },

  async open({ config, catalog }) {
    const client = await connect(config);
    const tables = new Map((await listTables(client, config.schema)).map((table) => [table.name, table]));
    for (const stream of catalog.streams) {
      if (!tables.has(stream.stream.name)) {
        await client.end();
        throw new ConfigError(
          `stream "${stream.stream.name}": no table of that name with a primary key in "${config.schema}"`,
        );
      }
    }
    await client.query('BEGIN');
    return {
      async write({ stream, records }) {
        const table = tables.get(stream.stream.name)!;
        const rejected: Rejection[] = [];
        for (const [index, record] of records.entries()) {
          if (record.operation === 'delete') {
            rejected.push({ index, reason: 'deletes are not supported', retryable: false });
            continue;
          }
          await client.query('SAVEPOINT record');
          try {
            await client.query(upsertStatement(config.schema, table, record.data));
            await client.query('RELEASE SAVEPOINT record');
          } catch (error) {
            await client.query('ROLLBACK TO SAVEPOINT record');
            rejected.push({ index, reason: (error as Error).message, retryable: false });
          }
        }
        return { rejected };
      },
      // The SDK calls commit before it echoes a STATE: what the state covers is durable.
      async commit() {
        await client.query('COMMIT');
        await client.query('BEGIN');
      },
      async close() {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end();
      },
    };
  },
});
