import type { FieldMapping } from '../generated/connection.js';
import type { CoercionType } from './coerce.js';
import { splitPath } from './paths.js';

type Schema = Record<string, unknown>;

const TYPE_SCHEMAS: Record<CoercionType, Schema> = {
  string: { type: ['null', 'string'] },
  number: { type: ['null', 'number'] },
  integer: { type: ['null', 'integer'] },
  boolean: { type: ['null', 'boolean'] },
  date: { type: ['null', 'string'], format: 'date' },
  datetime: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
};

/**
 * The JSON Schema of mapped records, which the destination receives in the configured
 * catalog instead of the source's: copied columns keep their source schema, converted fields
 * get their type's, templates are strings, constants are typed by their value.
 */
export function mappedSchema(mapping: Readonly<Record<string, FieldMapping>>, source: Schema): Schema {
  const sourceProperties = (source['properties'] ?? {}) as Record<string, Schema>;
  const root: Schema = { type: 'object', properties: {} };
  for (const [field, rule] of Object.entries(mapping)) {
    let schema: Schema;
    if (typeof rule === 'string' || 'from' in rule) {
      const from = splitPath(typeof rule === 'string' ? rule : rule.from);
      const type = typeof rule === 'string' ? undefined : rule.type;
      schema = type ? TYPE_SCHEMAS[type] : from.length === 1 ? (sourceProperties[from[0]!] ?? {}) : {};
    } else if ('template' in rule) {
      schema = TYPE_SCHEMAS[rule.type ?? 'string'];
    } else {
      schema = constantSchema(rule.value);
    }
    place(root, splitPath(field), schema);
  }
  return root;
}

function constantSchema(value: unknown): Schema {
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) return { type: 'array' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  return { type: typeof value };
}

function place(root: Schema, path: readonly string[], schema: Schema): void {
  let node = root;
  for (const part of path.slice(0, -1)) {
    const properties = node['properties'] as Record<string, Schema>;
    properties[part] ??= { type: 'object', properties: {} };
    node = properties[part];
  }
  (node['properties'] as Record<string, Schema>)[path.at(-1)!] = schema;
}
