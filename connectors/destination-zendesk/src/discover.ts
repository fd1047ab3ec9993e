import type { DestinationCatalog, DestinationOperation } from '@backflow/protocol';
import { ID, OBJECT_NAMES } from './objects.js';
import { jsonSchemaOf, objectSchema, type ObjectSchema } from './schema.js';
import type { ZendeskClient } from './zendesk-client.js';

/**
 * Users, organizations and tickets as destination operations, with their standard and custom
 * fields: `append_dedup` (upsert, mirror) matched by their upsert keys, `update` matched also
 * by Zendesk `id`, and `append` (insert).
 */
export async function discoverObjects(client: ZendeskClient): Promise<DestinationCatalog> {
  const operations: DestinationOperation[] = [];
  for (const name of OBJECT_NAMES) operations.push(...operationsOf(await objectSchema(client, name)));
  return { operations };
}

function operationsOf(schema: ObjectSchema): DestinationOperation[] {
  const json_schema = jsonSchemaOf(schema);
  const object_name = schema.object.name;
  const upsertKeys = schema.object.upsertKeys.map((key) => [key]);
  const idSchema = {
    title: 'Zendesk id',
    description: 'A matching key for update only, never written',
    type: 'integer',
  };
  return [
    { object_name, sync_mode: 'append_dedup', json_schema, matching_keys: upsertKeys },
    {
      object_name,
      sync_mode: 'update',
      json_schema: { ...json_schema, properties: { [ID]: idSchema, ...json_schema.properties } },
      matching_keys: [[ID], ...upsertKeys],
    },
    { object_name, sync_mode: 'append', json_schema },
  ];
}
