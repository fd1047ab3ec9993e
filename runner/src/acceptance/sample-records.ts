// Records the write checks send, made from a stream's JSON Schema: deterministic, distinct in
// every field (so keys are unique), and one that breaks the schema where the schema says enough.

type Schema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
};

/** The `index`-th sample record valid against `schema`. */
export function sampleRecord(schema: Schema, index: number): Record<string, unknown> {
  const properties = schema.properties ?? {};
  if (Object.keys(properties).length === 0) return { id: index, name: `record ${index}` };
  const record: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) record[name] = sampleValue(name, property, index);
  return record;
}

function sampleValue(name: string, schema: Schema, index: number): unknown {
  if ('const' in schema) return schema.const;
  if (schema.enum?.length) return schema.enum[index % schema.enum.length];
  const type = [schema.type ?? 'string'].flat().find((t) => t !== 'null') ?? 'null';
  switch (type) {
    case 'integer':
      return index;
    case 'number':
      return index + 0.5;
    case 'boolean':
      return index % 2 === 0;
    case 'object':
      return sampleRecord(schema, index);
    case 'array':
      return [];
    case 'null':
      return null;
    default:
      // Many APIs validate e-mail fields without saying so in their schema.
      return stringValue(schema.format ?? (/e-?mail/i.test(name) ? 'email' : undefined), index);
  }
}

function stringValue(format: string | undefined, index: number): string {
  const day = String((index % 28) + 1).padStart(2, '0');
  switch (format) {
    case 'email':
      return `acceptance-${index}@example.com`;
    case 'date-time':
      return `2024-01-${day}T12:00:00Z`;
    case 'date':
      return `2024-01-${day}`;
    case 'uri':
      return `https://example.com/${index}`;
    default:
      return `acceptance ${index}`;
  }
}

/**
 * A record that breaks `schema` in one field, with the field and how, or undefined when the
 * schema constrains no field enough to break (no typed non-string field, no required field).
 */
export function brokenRecord(
  schema: Schema,
  index: number,
): { record: Record<string, unknown>; field: string; how: string } | undefined {
  const record = sampleRecord(schema, index);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const types = [property.type ?? []].flat();
    if (types.length > 0 && types.every((t) => ['integer', 'number', 'boolean'].includes(t) || t === 'null')) {
      return {
        record: { ...record, [name]: 'not a number' },
        field: name,
        how: `a string where ${types.join('|')} is expected`,
      };
    }
  }
  const required = schema.required?.[0];
  if (required !== undefined) {
    const { [required]: _dropped, ...rest } = record;
    return { record: rest, field: required, how: 'the required field left out' };
  }
  return undefined;
}
