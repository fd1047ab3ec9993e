import { RestError, saveError, type SaveError } from './errors.js';
import { fieldWithDefaults, type FieldDefinition, type ObjectDefinition } from './schema.js';
import type { FieldValue, RecordStore, StoredRecord } from './store.js';

/** How values arrive: typed JSON (REST) or CSV text (Bulk 2.0, where `#N/A` means null). */
export type ValueSource = 'json' | 'csv';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A value Salesforce cannot read as the field's type: the whole JSON request fails, a CSV row fails alone. */
export class TypeProblem extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly soapType: string,
  ) {
    super(`'${String(value)}' is not a valid value for the type ${soapType}`);
  }
}

/**
 * Checks and converts one record's values for a create or an update, in the order Salesforce
 * reports problems: unknown field (whole request), type (whole JSON request), field access,
 * then per-field validation. Returns the values to store, or the record's errors.
 */
export function validateRecord(
  object: ObjectDefinition,
  input: Record<string, unknown>,
  mode: 'create' | 'update',
  source: ValueSource,
  store: RecordStore,
  existing?: StoredRecord,
): { values: Record<string, FieldValue> } | { errors: SaveError[] } {
  const fields = new Map(object.fields.map((f) => [f.name.toLowerCase(), fieldWithDefaults(f)]));
  const values: Record<string, FieldValue> = {};
  const errors: SaveError[] = [];
  const notWritable: string[] = [];
  for (const [rawName, raw] of Object.entries(input)) {
    const field = fields.get(rawName.toLowerCase());
    if (!field)
      throw new RestError(400, 'INVALID_FIELD', `No such column '${rawName}' on sobject of type ${object.name}`);
    if (source === 'csv' && raw === '') continue; // Bulk: an empty value leaves the field as it is
    const value = convert(field, source === 'csv' && raw === '#N/A' ? null : raw);
    if (mode === 'create' ? !field.createable : !field.updateable) {
      notWritable.push(field.name);
      continue;
    }
    values[field.name] = value;
  }
  if (notWritable.length > 0) {
    errors.push(
      saveError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to ${mode} fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        notWritable,
      ),
    );
    return { errors };
  }
  for (const [name, value] of Object.entries(values)) {
    const field = fields.get(name.toLowerCase())!;
    const problem = checkValue(object, field, value, store, existing);
    if (problem) errors.push(problem);
  }
  const missing = [...fields.values()]
    .filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== 'boolean')
    .filter((f) =>
      mode === 'create' ? values[f.name] === undefined || values[f.name] === null : values[f.name] === null,
    )
    .map((f) => f.name);
  if (missing.length > 0)
    errors.unshift(
      saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing),
    );
  return errors.length > 0 ? { errors } : { values };
}

function convert(field: ReturnType<typeof fieldWithDefaults>, raw: unknown): FieldValue {
  if (raw === null) return null;
  const soap = soapTypeOf(field.type);
  const fail = () => {
    throw new TypeProblem(field.name, raw, soap);
  };
  switch (field.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
      return fail();
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const number = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(number) || (field.type === 'int' && !Number.isInteger(number))) return fail();
      return number;
    }
    case 'date': {
      const match = typeof raw === 'string' ? DATE.exec(raw) : null;
      if (!match || !isRealDate(+match[1]!, +match[2]!, +match[3]!)) return fail();
      return raw as string;
    }
    case 'datetime': {
      if (typeof raw !== 'string' || !DATETIME.test(raw) || Number.isNaN(Date.parse(raw))) return fail();
      return new Date(raw).toISOString().replace('Z', '+0000');
    }
    default:
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      return fail();
  }
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function checkValue(
  object: ObjectDefinition,
  field: ReturnType<typeof fieldWithDefaults>,
  value: FieldValue,
  store: RecordStore,
  existing: StoredRecord | undefined,
): SaveError | undefined {
  if (value === null) return undefined;
  const label = field.label;
  if (typeof value === 'string' && field.length > 0 && value.length > field.length)
    return saveError(
      'STRING_TOO_LONG',
      `${label}: data value too large: ${value.slice(0, 40)} (max length=${field.length})`,
      [field.name],
    );
  if (field.type === 'email' && typeof value === 'string' && !EMAIL.test(value))
    return saveError('INVALID_EMAIL_ADDRESS', `${label}: invalid email address: ${value}`, [field.name]);
  if ((field.type === 'picklist' || field.type === 'multipicklist') && field.restrictedPicklist) {
    const chosen = field.type === 'multipicklist' ? String(value).split(';') : [String(value)];
    const bad = chosen.find((v) => !(field.picklistValues ?? []).includes(v));
    if (bad !== undefined)
      return saveError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${label}: bad value for restricted picklist field: ${bad}`,
        [field.name],
      );
  }
  if (field.type === 'reference') {
    const target = store.find(String(value));
    if (!target || target.IsDeleted || !(field.referenceTo ?? []).includes(target.object))
      return saveError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field.name]);
  }
  if (field.unique && typeof value === 'string') {
    const holder = store.findBy(object.name, field.name, value).find((r) => r.Id !== existing?.Id);
    if (holder)
      return saveError(
        'DUPLICATE_VALUE',
        `duplicate value found: ${field.name} duplicates value on record with id: ${holder.Id}`,
        [],
      );
  }
  return undefined;
}

function soapTypeOf(type: FieldDefinition['type']): string {
  return (
    (
      {
        boolean: 'xsd:boolean',
        int: 'xsd:int',
        double: 'xsd:double',
        currency: 'xsd:double',
        percent: 'xsd:double',
        date: 'xsd:date',
        datetime: 'xsd:dateTime',
      } as Record<string, string>
    )[type] ?? 'xsd:string'
  );
}
