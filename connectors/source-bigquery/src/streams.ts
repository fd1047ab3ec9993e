import type { TableField } from '@google-cloud/bigquery';
import type { AirbyteCatalog, AirbyteStream } from '@backflow/protocol';
import { ConfigError } from '@backflow/protocol/connector';
import type { Model } from './generated/config.js';
import { modelRelation, tablePath, trimModelSql } from './sql.js';
import { fieldsSchema } from './type-mapping.js';
import type { Warehouse } from './warehouse.js';

/** Where a stream's rows come from, its fields, and what BigQuery (or the config) knows about its keys. */
export interface StreamSource {
  readonly kind: 'table' | 'view' | 'model';
  readonly name: string;
  /** The dataset, for tables and views; models have none. */
  readonly namespace: string | undefined;
  /** A relation to select from: a table path or a parenthesized query. */
  readonly relation: string;
  readonly fields: readonly TableField[];
  readonly primaryKey: readonly string[];
  /** The cursor a model declares; tables leave the choice to the user. */
  readonly cursorField: string | undefined;
  /** Names the stream in messages: `table "marts.users"`, `model "active_users"`. */
  readonly subject: string;
}

/** Every stream the config exposes: tables and views of the dataset (or `tables`), then models. */
export async function listSources(warehouse: Warehouse): Promise<StreamSource[]> {
  const { settings } = warehouse;
  await warehouse.getDataset();
  const tableIds = settings.tables ?? (await warehouse.listTables());
  const sources: StreamSource[] = [];
  for (const tableId of tableIds) sources.push(await tableSource(warehouse, tableId));
  for (const model of settings.models) sources.push(await modelSource(warehouse, model));
  return sources;
}

/** The stream a configured catalog names, or a ConfigError saying it no longer exists. */
export async function findSource(
  warehouse: Warehouse,
  name: string,
  namespace: string | undefined,
): Promise<StreamSource> {
  const { settings } = warehouse;
  if (namespace === undefined) {
    const model = settings.models.find((candidate) => candidate.name === name);
    if (model) return modelSource(warehouse, model);
  } else if (namespace === settings.datasetId && (settings.tables?.includes(name) ?? true)) {
    return tableSource(warehouse, name);
  }
  const label = namespace ? `${namespace}.${name}` : name;
  throw new ConfigError(
    `stream "${label}" is not in this source (no such table of dataset "${settings.datasetId}" or model)`,
  );
}

async function tableSource(warehouse: Warehouse, tableId: string): Promise<StreamSource> {
  const { projectId, datasetId } = warehouse.settings;
  const table = await warehouse.describeTable(tableId);
  const kind = table.type === 'VIEW' || table.type === 'MATERIALIZED_VIEW' ? 'view' : 'table';
  return {
    kind,
    name: tableId,
    namespace: datasetId,
    relation: tablePath(projectId, datasetId, tableId),
    fields: table.fields,
    primaryKey: table.primaryKey ?? [],
    cursorField: undefined,
    subject: `${kind} "${datasetId}.${tableId}"`,
  };
}

/**
 * A model typed by a dry run of its SQL as written, so BigQuery's error positions point
 * into the user's query. Fails when the model returns two columns of one name or lacks a
 * declared key or cursor column.
 */
async function modelSource(warehouse: Warehouse, model: Model): Promise<StreamSource> {
  const subject = `model "${model.name}"`;
  const fields = await warehouse.dryRun(trimModelSql(model.sql), subject);
  const names = new Set<string>();
  for (const field of fields) {
    if (names.has(field.name!))
      throw new ConfigError(`${subject} returns two columns named "${field.name}"; give them distinct aliases`);
    names.add(field.name!);
  }
  for (const column of [...(model.primary_key ?? []), ...(model.cursor_field ? [model.cursor_field] : [])]) {
    if (!names.has(column)) {
      throw new ConfigError(
        `${subject} declares column "${column}" (primary_key/cursor_field) but its query returns only ${[...names].map((c) => `"${c}"`).join(', ')}`,
      );
    }
  }
  return {
    kind: 'model',
    name: model.name,
    namespace: undefined,
    relation: modelRelation(model.sql),
    // A dry run reports every column NULLABLE, as a model's columns may be (outer joins).
    fields,
    primaryKey: model.primary_key ?? [],
    cursorField: model.cursor_field,
    subject,
  };
}

/** The catalog of `sources`, typed per protocol/docs/types.md. */
export function buildCatalog(sources: readonly StreamSource[]): AirbyteCatalog {
  return { streams: sources.map(describeStream) };
}

function describeStream(source: StreamSource): AirbyteStream {
  return {
    name: source.name,
    ...(source.namespace === undefined ? {} : { namespace: source.namespace }),
    json_schema: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: fieldsSchema(source.fields),
    },
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: source.cursorField !== undefined,
    ...(source.cursorField === undefined ? {} : { default_cursor_field: [source.cursorField] }),
    ...(source.primaryKey.length === 0 ? {} : { source_defined_primary_key: source.primaryKey.map((key) => [key]) }),
  };
}
