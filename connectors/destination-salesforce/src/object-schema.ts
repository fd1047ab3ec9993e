/** A field of an sObject as its describe reports it. */
export interface SalesforceField {
  readonly name: string;
  readonly label: string;
  /** `string`, `email`, `picklist`, `multipicklist`, `boolean`, `int`, `double`, `currency`, `percent`, `date`, `datetime`, `time`, `reference`, `id`, ... */
  readonly type: string;
  readonly length: number;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly nillable: boolean;
  readonly externalId: boolean;
  readonly picklistValues: readonly string[];
  readonly restrictedPicklist: boolean;
}

/** One sObject and its fields, looked up case-insensitively as Salesforce does. */
export interface ObjectSchema {
  readonly name: string;
  readonly fields: ReadonlyMap<string, SalesforceField>;
  /** Fields `upsert` can match on: the external-id fields. */
  readonly externalIds: readonly string[];
}

/** The record id field: a matching key for update and mirror, never written as a value. */
export const ID = 'Id';

/** The describe answer, as far as the connector reads it. */
export interface DescribeAnswer {
  name: string;
  fields: {
    name: string;
    label?: string;
    type: string;
    length?: number;
    createable?: boolean;
    updateable?: boolean;
    nillable?: boolean;
    externalId?: boolean;
    restrictedPicklist?: boolean;
    picklistValues?: { value: string; active?: boolean }[];
  }[];
}

export function objectSchemaOf(describe: DescribeAnswer): ObjectSchema {
  const fields = new Map<string, SalesforceField>();
  for (const field of describe.fields) {
    fields.set(field.name.toLowerCase(), {
      name: field.name,
      label: field.label ?? field.name,
      type: field.type,
      length: field.length ?? 0,
      createable: field.createable ?? false,
      updateable: field.updateable ?? false,
      nillable: field.nillable ?? true,
      externalId: field.externalId ?? false,
      picklistValues: (field.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value),
      restrictedPicklist: field.restrictedPicklist ?? false,
    });
  }
  const externalIds = [...fields.values()].filter((f) => f.externalId).map((f) => f.name);
  return { name: describe.name, fields, externalIds };
}

/** A field by name, whatever its case. */
export function fieldOf(schema: ObjectSchema, name: string): SalesforceField | undefined {
  return schema.fields.get(name.toLowerCase());
}

/** A key value as Salesforce compares it: ids by their 15-character form, external ids case-insensitively. */
export function normalizeKey(key: string, value: string): string {
  return key === ID ? value.slice(0, 15) : value.toLowerCase();
}
