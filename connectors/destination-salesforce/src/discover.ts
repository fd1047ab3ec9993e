import type { DestinationCatalog, DestinationOperation } from '@backflow/protocol';
import { ID, type ObjectSchema, type SalesforceField } from './object-schema.js';
import type { SalesforceApi } from './salesforce-api.js';

/**
 * Each configured object as destination operations: `append_dedup` (upsert, mirror) matched
 * by its external-id fields, `update` matched by `Id` or an external id, and `append`
 * (insert). The JSON Schema lists the writable fields with their types, restricted picklists
 * as enums, and `createable`/`updateable`/`externalId` as annotations.
 */
export async function discoverObjects(api: SalesforceApi, objects: readonly string[]): Promise<DestinationCatalog> {
  const operations: DestinationOperation[] = [];
  for (const object of objects) operations.push(...operationsOf(await api.describe(object)));
  return { operations };
}

function operationsOf(schema: ObjectSchema): DestinationOperation[] {
  const writable = [...schema.fields.values()].filter((f) => f.createable || f.updateable);
  const properties = Object.fromEntries(writable.map((field) => [field.name, jsonSchemaOf(field)]));
  const json_schema = { type: 'object', properties };
  const object_name = schema.name;
  const externalIds = schema.externalIds.map((key) => [key]);
  const idSchema = {
    title: 'Record ID',
    description: 'Salesforce record id: a matching key, never written',
    type: 'string',
  };
  const operations: DestinationOperation[] = [];
  if (externalIds.length > 0)
    operations.push({ object_name, sync_mode: 'append_dedup', json_schema, matching_keys: externalIds });
  operations.push({
    object_name,
    sync_mode: 'update',
    json_schema: { ...json_schema, properties: { [ID]: idSchema, ...properties } },
    matching_keys: [[ID], ...externalIds],
  });
  operations.push({ object_name, sync_mode: 'append', json_schema });
  return operations;
}

function jsonSchemaOf(field: SalesforceField): Record<string, unknown> {
  const annotations = {
    title: field.label,
    salesforce_type: field.type,
    createable: field.createable,
    updateable: field.updateable,
    ...(field.externalId ? { externalId: true } : {}),
  };
  const nullable = (type: string) => (field.nillable ? [type, 'null'] : type);
  switch (field.type) {
    case 'boolean':
      return { ...annotations, type: nullable('boolean') };
    case 'int':
      return { ...annotations, type: nullable('integer') };
    case 'double':
    case 'currency':
    case 'percent':
      return { ...annotations, type: nullable('number') };
    case 'date':
      return { ...annotations, type: nullable('string'), format: 'date' };
    case 'datetime':
      return { ...annotations, type: nullable('string'), format: 'date-time' };
    case 'picklist':
      return field.restrictedPicklist
        ? {
            ...annotations,
            type: nullable('string'),
            enum: [...field.picklistValues, ...(field.nillable ? [null] : [])],
          }
        : { ...annotations, type: nullable('string'), examples: field.picklistValues };
    case 'multipicklist':
      return {
        ...annotations,
        type: nullable('string'),
        description: `values separated by ";" from: ${field.picklistValues.join(', ')}`,
      };
    default:
      return { ...annotations, type: nullable('string'), ...(field.length > 0 ? { maxLength: field.length } : {}) };
  }
}
