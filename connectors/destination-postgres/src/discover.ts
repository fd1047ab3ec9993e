import type { DestinationCatalog, DestinationOperation, DestinationSyncMode } from '@backflow/protocol';
import { withClient } from './connection.js';
import { toConnectorError } from './errors.js';
import type { Settings } from './settings.js';
import { listTables, type ExistingColumn } from './table-catalog.js';

type JsonSchema = Record<string, unknown>;

const JSON_ANY: JsonSchema = { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] };

// protocol/docs/types.md: what a source would send for each column type.
const SCHEMA_BY_TYPNAME: Readonly<Record<string, JsonSchema>> = {
  int2: { type: 'integer' },
  int4: { type: 'integer' },
  int8: { type: 'string', airbyte_type: 'integer' },
  numeric: { type: 'string', airbyte_type: 'number' },
  float4: { type: 'number' },
  float8: { type: 'number' },
  bool: { type: 'boolean' },
  uuid: { type: 'string', format: 'uuid' },
  date: { type: 'string', format: 'date' },
  timestamptz: { type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
  timestamp: { type: 'string', format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
  time: { type: 'string', airbyte_type: 'time_without_timezone' },
  timetz: { type: 'string', airbyte_type: 'time_with_timezone' },
  interval: { type: 'string', airbyte_type: 'interval' },
  bytea: { type: 'string', contentEncoding: 'base64', airbyte_type: 'binary' },
  json: JSON_ANY,
  jsonb: JSON_ANY,
};

/**
 * The tables of the target schema as objects to write: their columns as JSON Schema and,
 * where a unique index allows matching, its columns (the primary key first) as matching
 * keys and the keyed sync modes.
 */
export async function discoverTables(settings: Settings): Promise<DestinationCatalog> {
  const tables = await withClient(settings, async (client) => {
    try {
      return await listTables(client, settings.schema);
    } catch (error) {
      throw toConnectorError(error, settings.target, `listing the tables of schema "${settings.schema}"`);
    }
  });
  const operations: DestinationOperation[] = [];
  for (const [name, table] of tables) {
    const properties = Object.fromEntries([...table.columns].map(([column, type]) => [column, columnSchema(type)]));
    const json_schema = { type: 'object', properties };
    const [key] = table.uniqueKeys;
    const modes: DestinationSyncMode[] = key ? ['append', 'append_dedup', 'overwrite', 'update'] : ['append', 'update'];
    for (const sync_mode of modes) {
      operations.push({
        object_name: name,
        sync_mode,
        json_schema,
        ...(key ? { matching_keys: key.map((column) => [column]) } : {}),
      });
    }
  }
  return { operations };
}

function columnSchema(column: ExistingColumn): JsonSchema {
  const scalar = SCHEMA_BY_TYPNAME[column.typname] ?? { type: 'string' };
  const schema = column.element === undefined ? scalar : { type: 'array', items: nullable(scalar) };
  return column.notNull ? schema : nullable(schema);
}

function nullable(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (Array.isArray(type)) return type.includes('null') ? schema : { ...schema, type: ['null', ...type] };
  return { ...schema, type: ['null', type] };
}
