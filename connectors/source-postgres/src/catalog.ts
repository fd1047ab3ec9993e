import type { ClientBase } from 'pg';
import type { AirbyteCatalog, AirbyteStream } from '@backflow/protocol';
import type { Logger } from '@backflow/protocol/connector';
import type { Field } from './describe.js';
import { toConnectorError } from './errors.js';
import type { Model } from './generated/config.js';
import { describeModel } from './models.js';
import { checkSchemas, listRelations, schemasToList, selectRelations, type Relation } from './relations.js';
import type { Settings } from './settings.js';
import { columnSchema, type JsonSchema } from './type-mapping.js';
import { resolveTypes } from './type-registry.js';

/** The streams the config exposes, before their types are mapped. */
export interface Inventory {
  readonly relations: readonly Relation[];
  readonly models: readonly { readonly model: Model; readonly fields: readonly Field[] }[];
}

/**
 * Everything the config names, checked: schemas exist and are usable, listed tables exist and
 * are readable, models plan. Shared by `check` and `discover`, so both fail the same way.
 */
export async function takeInventory(client: ClientBase, settings: Settings, logger?: Logger): Promise<Inventory> {
  const scope = { target: settings.target, subject: 'listing tables', statementTimeoutMs: settings.statementTimeoutMs };
  let relations: Relation[];
  try {
    const schemas = schemasToList(settings.schemas, settings.tables);
    await checkSchemas(client, schemas, settings.database);
    relations = await listRelations(client, schemas);
  } catch (error) {
    throw toConnectorError(error, scope);
  }
  const username = settings.username || 'the connecting role';
  const { selected, skipped } = selectRelations(relations, settings.schemas, settings.tables, username);
  if (skipped.length > 0)
    logger?.info(`skipped ${skipped.length} relation(s) the role cannot read: ${skipped.join(', ')}`);
  const models = [];
  for (const model of settings.models) models.push({ model, fields: await describeModel(client, model, settings) });
  return { relations: selected, models };
}

/** The catalog of `inventory`: one stream per relation (namespace = schema) and per model (no namespace). */
export async function buildCatalog(client: ClientBase, inventory: Inventory): Promise<AirbyteCatalog> {
  const oids = [
    ...inventory.relations.flatMap((relation) => relation.columns.map((column) => column.typeOid)),
    ...inventory.models.flatMap(({ fields }) => fields.map((field) => field.typeOid)),
  ];
  const types = await resolveTypes(client, oids);
  const typeOf = (oid: number) => types.get(oid)!;
  const streams: AirbyteStream[] = [];
  for (const relation of inventory.relations) {
    const properties = Object.fromEntries(
      relation.columns.map((column) => [column.name, columnSchema(typeOf(column.typeOid), !column.notNull)]),
    );
    streams.push({
      name: relation.name,
      namespace: relation.schema,
      ...streamShape(properties),
      ...(relation.primaryKey ? { source_defined_primary_key: relation.primaryKey.map((column) => [column]) } : {}),
    });
  }
  for (const { model, fields } of inventory.models) {
    // A model's columns may be NULL even when they come from NOT NULL columns (outer joins).
    const properties = Object.fromEntries(
      fields.map((field) => [field.name, columnSchema(typeOf(field.typeOid), true)]),
    );
    streams.push({
      name: model.name,
      ...streamShape(properties),
      ...(model.primary_key ? { source_defined_primary_key: model.primary_key.map((column) => [column]) } : {}),
      ...(model.cursor_field ? { default_cursor_field: [model.cursor_field] } : {}),
    });
  }
  return { streams };
}

function streamShape(properties: Record<string, JsonSchema>) {
  return {
    json_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties },
    supported_sync_modes: ['full_refresh', 'incremental'] as AirbyteStream['supported_sync_modes'],
    source_defined_cursor: false,
  };
}
