import { customFieldSchema, customFieldsOf, type CustomField } from './custom-fields.js';
import { OBJECTS, type FieldSchema, type ObjectInfo, type ObjectName } from './objects.js';
import type { ZendeskClient } from './zendesk-client.js';

/** An object with the account's custom fields. */
export interface ObjectSchema {
  readonly object: ObjectInfo;
  readonly customFields: ReadonlyMap<string, CustomField>;
}

/** Reads the custom fields of `name` (one cursor-paginated list). */
export async function objectSchema(client: ZendeskClient, name: ObjectName): Promise<ObjectSchema> {
  const object = OBJECTS[name];
  return { object, customFields: await customFieldsOf(client, object) };
}

/** The record fields of an object as JSON Schema: standard fields and, nested, the custom ones. */
export function jsonSchemaOf(schema: ObjectSchema): { type: 'object'; properties: Record<string, FieldSchema> } {
  const custom: Record<string, FieldSchema> = {};
  for (const [name, field] of schema.customFields) custom[name] = customFieldSchema(field);
  return {
    type: 'object',
    properties: {
      ...schema.object.fields,
      [schema.object.customFields]: {
        type: 'object',
        description:
          schema.object.name === 'tickets'
            ? 'Custom ticket fields by id, e.g. {"360001234": "gold"}'
            : 'Custom fields by key, e.g. {"plan": "gold"}',
        properties: custom,
        additionalProperties: false,
      },
    },
  };
}
