import type { DestinationCatalog, DestinationOperation } from '@backflow/protocol';
import type { HubSpotApi } from './hubspot-api.js';
import { OBJECT_ID, type ObjectSchema } from './object-schema.js';
import { jsonSchemaOf } from './property-json-schema.js';

/**
 * Each configured object as destination operations: `append_dedup` (upsert, mirror) matched
 * by its upsert keys, `update` matched also by `hs_object_id`, and `append` (insert). The JSON
 * Schema lists the writable properties with their types.
 */
export async function discoverObjects(api: HubSpotApi, objectTypes: readonly string[]): Promise<DestinationCatalog> {
  const operations: DestinationOperation[] = [];
  for (const objectType of objectTypes) operations.push(...operationsOf(await api.objectSchema(objectType)));
  return { operations };
}

function operationsOf(schema: ObjectSchema): DestinationOperation[] {
  const properties: Record<string, unknown> = {};
  for (const property of schema.properties.values())
    if (!property.readOnly) properties[property.name] = jsonSchemaOf(property);
  const json_schema = { type: 'object', properties };
  const object_name = schema.objectType;
  const upsertKeys = schema.upsertKeys.map((key) => [key]);
  const idSchema = {
    title: 'Record ID',
    description: 'HubSpot record id: a matching key for update only, never written',
    type: 'string',
  };
  const operations: DestinationOperation[] = [];
  if (upsertKeys.length > 0)
    operations.push({ object_name, sync_mode: 'append_dedup', json_schema, matching_keys: upsertKeys });
  operations.push({
    object_name,
    sync_mode: 'update',
    json_schema: { ...json_schema, properties: { [OBJECT_ID]: idSchema, ...properties } },
    matching_keys: [[OBJECT_ID], ...upsertKeys],
  });
  operations.push({ object_name, sync_mode: 'append', json_schema });
  return operations;
}
