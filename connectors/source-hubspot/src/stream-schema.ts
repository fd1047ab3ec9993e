import type { AirbyteStream } from '@backflow/protocol';
import type { HubSpotProperty } from './hubspot-reader.js';

/** The field a stream is read incrementally by: HubSpot's last-modified date of the object. */
export function cursorPropertyOf(properties: readonly HubSpotProperty[]): string {
  const names = new Set(properties.map((p) => p.name));
  // Contacts carry `lastmodifieddate`; other objects `hs_lastmodifieddate`.
  if (names.has('hs_lastmodifieddate')) return 'hs_lastmodifieddate';
  if (names.has('lastmodifieddate')) return 'lastmodifieddate';
  throw new Error('the object has neither hs_lastmodifieddate nor lastmodifieddate');
}

/** An object's stream: its properties as the schema (every one nullable), `hs_object_id` as the key. */
export function streamOf(objectType: string, properties: readonly HubSpotProperty[]): AirbyteStream {
  const schema: Record<string, unknown> = {};
  for (const property of properties) schema[property.name] = { title: property.label, ...valueSchema(property) };
  return {
    name: objectType,
    json_schema: { type: 'object', properties: schema },
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: true,
    default_cursor_field: [cursorPropertyOf(properties)],
    source_defined_primary_key: [['hs_object_id']],
  };
}

function valueSchema(property: HubSpotProperty): Record<string, unknown> {
  switch (property.type) {
    case 'number':
      return { type: ['null', 'number'] };
    case 'bool':
      return { type: ['null', 'boolean'] };
    case 'date':
      return { type: ['null', 'string'], format: 'date' };
    case 'datetime':
      return { type: ['null', 'string'], format: 'date-time' };
    default:
      return { type: ['null', 'string'] };
  }
}

/**
 * A record's values as its schema types them: HubSpot answers every property as a string (or
 * null); numbers and booleans are converted, and an empty string (a cleared property) is null.
 */
export function rowOf(
  properties: Record<string, string | null>,
  types: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [name, type] of types) {
    const value = properties[name];
    if (value === undefined || value === null || value === '') row[name] = null;
    else if (type === 'number') row[name] = Number(value);
    else if (type === 'bool') row[name] = value === 'true';
    else row[name] = value;
  }
  return row;
}
