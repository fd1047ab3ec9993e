import type { SalesforceField } from './object-schema.js';

/** A value as the REST API takes it for the field, or why it cannot be one. */
export type Coerced = { readonly value: string | number | boolean | null } | { readonly problem: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const TIME = /^(\d{2}):(\d{2})(:(\d{2})(\.\d{1,3})?)?Z?$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/**
 * Converts a record value (Backflow's JSON representation, protocol/docs/types.md) to the
 * JSON Salesforce takes for the field's type, or says why it cannot, before anything is sent:
 * a bad date would fail a whole sObject Collections request (JSON_PARSER_ERROR), a value
 * outside a restricted picklist its record. `null` clears the field. Text rules Salesforce
 * checks itself (length, e-mail syntax) are left to it, so rejections carry its message.
 */
export function coerceValue(field: SalesforceField, value: unknown): Coerced {
  if (value === null || value === undefined) return { value: null };
  switch (field.type) {
    case 'boolean':
      return coerceBoolean(value);
    case 'int':
      return coerceNumber(value, true);
    case 'double':
    case 'currency':
    case 'percent':
      return coerceNumber(value, false);
    case 'date':
      return coerceDate(value);
    case 'datetime':
      return coerceDatetime(value);
    case 'time':
      return typeof value === 'string' && TIME.test(value.trim())
        ? { value: value.trim() }
        : { problem: `expected a time (HH:MM:SS.sssZ), got ${describe(value)}` };
    case 'picklist':
    case 'multipicklist':
      return coercePicklist(field, value);
    default:
      return { value: typeof value === 'object' ? JSON.stringify(value) : String(value) };
  }
}

function coerceBoolean(value: unknown): Coerced {
  if (typeof value === 'boolean') return { value };
  const text = String(value).trim().toLowerCase();
  if (TRUE.has(text)) return { value: true };
  if (FALSE.has(text)) return { value: false };
  return { problem: `expected true or false, got ${describe(value)}` };
}

function coerceNumber(value: unknown, integer: boolean): Coerced {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const number = Number(text);
  if (!(integer ? INTEGER : DECIMAL).test(text) || !Number.isFinite(number))
    return { problem: `expected ${integer ? 'an integer' : 'a number'}, got ${describe(value)}` };
  return { value: number };
}

function coerceDate(value: unknown): Coerced {
  const text = typeof value === 'string' ? value.trim() : '';
  const match = DATE.exec(text);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day)
      return { value: text };
  }
  return { problem: `expected a date (YYYY-MM-DD), got ${describe(value)}` };
}

function coerceDatetime(value: unknown): Coerced {
  const text = typeof value === 'string' ? value.trim() : '';
  // A timestamp without zone is UTC, as Backflow carries timestamps (protocol/docs/types.md).
  const zoned = DATETIME.test(text) && !/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text) ? `${text}Z` : text;
  const time =
    DATETIME.test(text) && 'value' in coerceDate(text.slice(0, 10)) ? Date.parse(zoned.replace(' ', 'T')) : NaN;
  if (Number.isNaN(time)) return { problem: `expected a timestamp (ISO 8601), got ${describe(value)}` };
  return { value: new Date(time).toISOString() };
}

function coercePicklist(field: SalesforceField, value: unknown): Coerced {
  const chosen = Array.isArray(value)
    ? value.map(String)
    : field.type === 'multipicklist'
      ? String(value).split(';')
      : [String(value)];
  if (field.restrictedPicklist) {
    const bad = chosen.find((v) => !field.picklistValues.includes(v));
    if (bad !== undefined)
      return {
        problem: `${JSON.stringify(bad)} is not a value of the restricted picklist (${field.picklistValues.join(', ')})`,
      };
  }
  return { value: chosen.join(';') };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${JSON.stringify(value)}`;
}
