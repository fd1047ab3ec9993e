import type { HubSpotProperty } from './object-schema.js';

/** A value in the text form HubSpot takes for the property, or why it cannot be one. */
export type Coerced = { readonly value: string } | { readonly problem: string };

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/**
 * Converts a record value (in Backflow's JSON representation, protocol/docs/types.md) to
 * what HubSpot accepts for the property's type, or says why it cannot, before anything is
 * sent. `null` clears the property (HubSpot clears on an empty string).
 */
export function coerceValue(property: HubSpotProperty, value: unknown): Coerced {
  if (value === null || value === undefined) return { value: '' };
  switch (property.type) {
    case 'number':
      return coerceNumber(value);
    case 'bool':
      return withOptions(property, coerceBool(value));
    case 'enumeration':
      return coerceEnumeration(property, value);
    case 'date':
      return coerceDate(value);
    case 'datetime':
      return coerceDatetime(value);
    default:
      return { value: typeof value === 'object' ? JSON.stringify(value) : String(value) };
  }
}

function coerceNumber(value: unknown): Coerced {
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? { value: plainDecimal(String(value)) }
      : { problem: `${value} is not a finite number` };
  }
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return { value: plainDecimal(value.trim()) };
  return { problem: `expected a number, got ${describe(value)}` };
}

/**
 * A decimal without exponent or sign noise (`1e-7` → `0.0000001`, `+5` → `5`, `.5` → `0.5`):
 * HubSpot's number properties take digits with an optional fraction only. Works on the text,
 * so decimal strings keep every digit.
 */
export function plainDecimal(text: string): string {
  const match = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole = '', fraction = '', exponent] = match;
  let digits = whole + fraction;
  let point = whole.length + Number(exponent ?? 0);
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits = digits.padEnd(point, '0');
  }
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const decimals = digits.slice(point).replace(/0+$/, '');
  const body = decimals ? `${integer}.${decimals}` : integer;
  return sign === '-' && /[1-9]/.test(body) ? `-${body}` : body;
}

function coerceBool(value: unknown): Coerced {
  if (typeof value === 'boolean') return { value: String(value) };
  const text = typeof value === 'number' || typeof value === 'string' ? String(value).trim().toLowerCase() : undefined;
  if (text !== undefined && TRUE.has(text)) return { value: 'true' };
  if (text !== undefined && FALSE.has(text)) return { value: 'false' };
  return { problem: `expected true or false, got ${describe(value)}` };
}

function withOptions(property: HubSpotProperty, coerced: Coerced): Coerced {
  if ('problem' in coerced) return coerced;
  return coerceEnumeration(property, coerced.value);
}

// Options are matched by value, then by label ignoring case, as both show in HubSpot's UI.
function coerceEnumeration(property: HubSpotProperty, value: unknown): Coerced {
  const several = property.fieldType === 'checkbox';
  let choices: string[];
  if (Array.isArray(value) && several) choices = value.map((item) => String(item));
  else if (typeof value === 'string') choices = several ? value.split(';') : [value];
  else if (typeof value === 'number' || typeof value === 'boolean') choices = [String(value)];
  else
    return { problem: `expected ${several ? 'an option or a list of options' : 'an option'}, got ${describe(value)}` };
  choices = choices.map((choice) => choice.trim()).filter((choice) => choice !== '');
  if (property.externalOptions || property.options.length === 0) return { value: choices.join(';') };
  const values: string[] = [];
  for (const choice of choices) {
    const option =
      property.options.find((o) => o.value === choice) ??
      property.options.find((o) => o.label.toLowerCase() === choice.toLowerCase());
    if (!option) {
      return {
        problem: `"${choice}" is not one of the options of ${property.name}: [${property.options.map((o) => o.value).join(', ')}]`,
      };
    }
    values.push(option.value);
  }
  return { value: values.join(';') };
}

// HubSpot date properties hold a day: YYYY-MM-DD (or epoch ms at midnight UTC). A timestamp
// is reduced to its day in UTC.
function coerceDate(value: unknown): Coerced {
  if (typeof value === 'string' && DATE.test(value.trim())) {
    const text = value.trim();
    return isCalendarDate(text) ? { value: text } : { problem: `${text} is not a calendar date` };
  }
  const ms = epochMs(value);
  if ('problem' in ms) return ms;
  return { value: new Date(ms.ms).toISOString().slice(0, 10) };
}

// Datetime properties take ISO 8601 or epoch ms; ISO keeps logs readable. Timestamps without
// an offset (timestamp_without_timezone) are taken as UTC.
function coerceDatetime(value: unknown): Coerced {
  const ms = epochMs(value);
  if ('problem' in ms) return ms;
  return { value: new Date(ms.ms).toISOString() };
}

function epochMs(value: unknown): { ms: number } | { problem: string } {
  if (typeof value === 'number') {
    return Number.isFinite(value) && !Number.isNaN(new Date(value).getTime())
      ? { ms: value }
      : { problem: `${value} is not a valid epoch milliseconds value` };
  }
  if (typeof value !== 'string') return { problem: `expected a date or timestamp, got ${describe(value)}` };
  const match = TIMESTAMP.exec(value.trim());
  if (!match) return { problem: `${value} is not an ISO 8601 date or timestamp` };
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', offset] = match;
  if (!isCalendarDate(`${year}-${month}-${day}`)) return { problem: `${value} is not a calendar date` };
  const zone = !offset || offset.toUpperCase() === 'Z' ? 'Z' : normalizeOffset(offset);
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction.padEnd(3, '0').slice(0, 3)}${zone}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? { problem: `${value} is not a valid timestamp` } : { ms };
}

function normalizeOffset(offset: string): string {
  const digits = offset.slice(1).replace(':', '');
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4).padEnd(2, '0')}`;
}

function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(year, month - 1, day));
  return at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
