import type { Property } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';

/** A HubSpot property as the connector needs it (from the Properties API). */
export interface HubSpotProperty {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  /** `string`, `number`, `bool`, `enumeration`, `date`, `datetime`, `phone_number`, ... */
  readonly type: string;
  /** `text`, `select`, `radio`, `checkbox` (several options, `;`-separated), `booleancheckbox`, ... */
  readonly fieldType: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  /** Options come from another system: any value is let through. */
  readonly externalOptions: boolean;
  readonly hasUniqueValue: boolean;
  /** HubSpot computes it (`hs_object_id`, calculated properties): writes are refused. */
  readonly readOnly: boolean;
}

/** One HubSpot object type and its properties. */
export interface ObjectSchema {
  readonly objectType: string;
  readonly properties: ReadonlyMap<string, HubSpotProperty>;
  /** Contacts identify records by email, though HubSpot does not flag `email` `hasUniqueValue`. */
  readonly isContacts: boolean;
  /** Properties batch upsert accepts as `idProperty`: every `hasUniqueValue` one, and contacts' `email`. */
  readonly upsertKeys: readonly string[];
  /** Properties batch update accepts as `idProperty`: only `hasUniqueValue` ones (HubSpot refuses contacts' email there). */
  readonly updateKeys: readonly string[];
}

/** HubSpot's record id, usable as the key of `update` (never written as a property). */
export const OBJECT_ID = 'hs_object_id';

const CONTACTS = new Set(['contacts', 'contact', '0-1']);

/** Builds the schema of `objectType` from its Properties API listing. */
export function objectSchemaOf(objectType: string, listing: readonly Property[]): ObjectSchema {
  const properties = new Map<string, HubSpotProperty>();
  for (const property of listing) {
    if (property.archived) continue;
    properties.set(property.name, {
      name: property.name,
      label: property.label ?? property.name,
      description: property.description ?? '',
      type: property.type,
      fieldType: property.fieldType,
      options: (property.options ?? []).map((option) => ({ value: option.value, label: option.label })),
      externalOptions: property.externalOptions ?? false,
      hasUniqueValue: property.hasUniqueValue ?? false,
      readOnly: (property.modificationMetadata?.readOnlyValue ?? false) || (property.calculated ?? false),
    });
  }
  const isContacts = CONTACTS.has(objectType.toLowerCase());
  const unique = [...properties.values()].filter((p) => p.hasUniqueValue && !p.readOnly).map((p) => p.name);
  const upsertKeys = isContacts && properties.has('email') && !unique.includes('email') ? ['email', ...unique] : unique;
  return { objectType, properties, isContacts, upsertKeys, updateKeys: unique };
}

/**
 * The form of a key value HubSpot compares: contacts' emails are case-insensitive (HubSpot
 * stores them lower-case), other values exactly.
 */
export function normalizeKey(schema: ObjectSchema, property: string, value: string): string {
  return schema.isContacts && property === 'email' ? value.toLowerCase() : value;
}
