import type { DuckDBConnection } from '@duckdb/node-api';
import type { AirbyteCatalog, AirbyteStream } from '@backflow/protocol';
import { ConfigError } from '@backflow/protocol/connector';
import type { ResolvedConfig } from './config.js';
import { nullable, schemaForType } from './json-schema.js';
import { describeColumns, listStreams, type Column, type StreamSource } from './streams.js';

/** The catalog of every stream the config exposes, typed per protocol/docs/types.md. */
export async function discoverCatalog(connection: DuckDBConnection, config: ResolvedConfig): Promise<AirbyteCatalog> {
  const streams: AirbyteStream[] = [];
  for (const source of await listStreams(connection, config)) {
    streams.push(describeStream(source, await describeColumns(connection, source)));
  }
  return { streams };
}

function describeStream(source: StreamSource, columns: readonly Column[]): AirbyteStream {
  const names = new Set(columns.map((column) => column.name));
  for (const key of [...source.primaryKey, ...(source.cursorField ? [source.cursorField] : [])]) {
    if (!names.has(key)) {
      throw new ConfigError(
        `${source.kind} "${source.name}": declared key column "${key}" is not in its columns (${[...names].join(', ')})`,
      );
    }
  }
  const properties = Object.fromEntries(
    columns.map((column) => {
      const schema = schemaForType(column.type);
      return [column.name, column.nullable ? nullable(schema) : schema];
    }),
  );
  return {
    name: source.name,
    ...(source.namespace === undefined ? {} : { namespace: source.namespace }),
    json_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties },
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: source.cursorField !== undefined,
    ...(source.cursorField === undefined ? {} : { default_cursor_field: [source.cursorField] }),
    ...(source.primaryKey.length === 0 ? {} : { source_defined_primary_key: source.primaryKey.map((key) => [key]) }),
  };
}
