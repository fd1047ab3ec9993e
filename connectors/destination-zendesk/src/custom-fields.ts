import type { FieldSchema, ObjectInfo } from './objects.js';
import type { ZendeskClient } from './zendesk-client.js';

/** A custom user, organization or ticket field, as the `*_fields` endpoints describe it. */
export interface CustomField {
  readonly id: number;
  /** Users' and organizations' fields are addressed by key; tickets' by id. */
  readonly key?: string;
  readonly type: string;
  readonly title: string;
  readonly active: boolean;
  readonly custom_field_options?: { name: string; value: string }[];
  /** Ticket fields: system fields (subject, status…) are not custom. */
  readonly removable?: boolean;
}

/** The active custom fields of an object, by the name a record uses for them (key, or id for tickets). */
export async function customFieldsOf(client: ZendeskClient, object: ObjectInfo): Promise<Map<string, CustomField>> {
  const property = object.customFieldsPath.slice('/api/v2/'.length);
  const fields = new Map<string, CustomField>();
  for await (const field of client.list<CustomField>(`list ${property}`, object.customFieldsPath, property)) {
    if (!field.active || field.removable === false) continue;
    fields.set(object.name === 'tickets' ? String(field.id) : field.key!, field);
  }
  return fields;
}

/** A custom field's values as JSON Schema. */
export function customFieldSchema(field: CustomField): FieldSchema {
  const base = { title: field.title, description: `Custom ${field.type} field ${field.id}` };
  const options = field.custom_field_options?.map((option) => option.value);
  switch (field.type) {
    case 'checkbox':
      return { ...base, type: 'boolean' };
    case 'integer':
    case 'lookup':
      return { ...base, type: 'integer' };
    case 'decimal':
      return { ...base, type: 'number' };
    case 'date':
      return { ...base, type: 'string', format: 'date' };
    case 'dropdown':
    case 'tagger':
      return { ...base, type: 'string', ...(options ? { enum: options } : {}) };
    case 'multiselect':
      return { ...base, type: 'array', items: { type: 'string', ...(options ? { enum: options } : {}) } };
    default:
      return { ...base, type: 'string' };
  }
}
