import type { AirbyteStream } from '@backflow/protocol';
import { InternalError } from '@backflow/protocol/connector';

/** The cursor of incremental reads: Salesforce sets it on every change, system ones included. */
export const CURSOR = 'SystemModstamp';
/** The record id: the primary key, and the tie-break between records of the same SystemModstamp. */
export const ID = 'Id';

/** A field of an sObject as its describe reports it (what the source reads of it). */
export interface DescribedField {
  name: string;
  label?: string;
  type: string;
}

/** Field types that have no value of their own to read (see {@link readableFields}). */
const UNREADABLE = new Set([
  // Compound fields: their components (MailingStreet, …) are fields of their own, and Bulk
  // API 2.0 refuses compound fields in a query.
  'address',
  'location',
  // A REST query answers a URL to the blob, not the content; Bulk queries refuse them.
  'base64',
]);

/** The fields a read selects: every field with a value of its own, in describe order. */
export function readableFields(fields: readonly DescribedField[]): DescribedField[] {
  return fields.filter((field) => !UNREADABLE.has(field.type));
}

/**
 * The stream of one sObject: every readable field as a nullable JSON Schema property typed
 * from its Salesforce type, `Id` as the primary key and `SystemModstamp` as the cursor.
 */
export function streamOf(object: string, fields: readonly DescribedField[]): AirbyteStream {
  const names = new Set(fields.map((f) => f.name));
  if (!names.has(ID) || !names.has(CURSOR))
    throw new InternalError(`${object} has no ${ID} or ${CURSOR} field: it cannot be read incrementally`);
  const properties = Object.fromEntries(readableFields(fields).map((field) => [field.name, propertyOf(field)]));
  return {
    name: object,
    json_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties },
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: true,
    default_cursor_field: [CURSOR],
    source_defined_primary_key: [[ID]],
  };
}

function propertyOf(field: DescribedField): Record<string, unknown> {
  const annotated = (schema: Record<string, unknown>) => ({
    ...schema,
    ...(field.label ? { title: field.label } : {}),
    salesforce_type: field.type,
  });
  switch (field.type) {
    case 'boolean':
      return annotated({ type: ['boolean', 'null'] });
    case 'int':
      return annotated({ type: ['integer', 'null'] });
    case 'double':
    case 'currency':
    case 'percent':
      return annotated({ type: ['number', 'null'] });
    case 'date':
      return annotated({ type: ['string', 'null'], format: 'date' });
    case 'datetime':
      return annotated({ type: ['string', 'null'], format: 'date-time' });
    case 'time':
      return annotated({ type: ['string', 'null'], format: 'time' });
    default:
      // id, reference, string, textarea, email, phone, url, picklist, multipicklist, combobox, …
      return annotated({ type: ['string', 'null'] });
  }
}

/**
 * A value in its RECORD representation: datetimes in ISO 8601 UTC (`Z`; Salesforce writes
 * `+0000` in JSON), and Bulk CSV text typed by the field. Salesforce stores no empty text,
 * so an empty CSV value is null.
 */
export function valueOf(field: DescribedField, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') return value;
  switch (field.type) {
    case 'datetime':
      return new Date(value.replace(/\+0000$/, 'Z')).toISOString();
    case 'boolean':
      return value === 'true';
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return Number(value);
    default:
      return value;
  }
}
