import type { ObjectStore } from './object-store.js';
import { createdProperty } from './schema.js';
import type { ObjectTypeDef, StoredRecord } from './types.js';

/** The spec's `SimplePublicObject`. */
export interface SimplePublicObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  objectWriteTraceId?: string;
}

/**
 * Serializes a record with the properties a response carries: the requested ones (unknown
 * names ignored, as HubSpot documents), or the type's defaults when none are named; the id and
 * timestamp properties are always present.
 */
export function toSimplePublicObject(
  store: ObjectStore,
  type: ObjectTypeDef,
  record: StoredRecord,
  requested: readonly string[] | undefined,
): SimplePublicObject {
  const names =
    requested && requested.length > 0
      ? [...requested.filter((name) => type.properties.has(name)), ...alwaysReturned(type)]
      : type.defaultProperties;
  const properties: Record<string, string | null> = {};
  for (const name of new Set(names)) properties[name] = store.value(type, record, name);
  return {
    id: record.id,
    properties,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: record.archived,
    ...(record.archivedAt !== undefined ? { archivedAt: new Date(record.archivedAt).toISOString() } : {}),
  };
}

function alwaysReturned(type: ObjectTypeDef): string[] {
  return ['hs_object_id', createdProperty(type), type.lastModifiedProperty];
}

/** Reads `properties` given as repeated query parameters, comma-separated, or both. */
export function requestedProperties(params: URLSearchParams, name = 'properties'): string[] | undefined {
  const all = params.getAll(name).flatMap((value) => value.split(','));
  const names = all.map((value) => value.trim()).filter((value) => value.length > 0);
  return names.length > 0 ? names : undefined;
}
