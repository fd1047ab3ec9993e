import { invalidInputJson } from './errors.js';
import type { ObjectTypeDef, PropertyDefinition } from './types.js';

/** Why one property value was refused, in the shape of HubSpot's `PropertyValidationResult`. */
export interface PropertyProblem {
  name: string;
  value: string;
  error: string;
  message: string;
}

export interface CheckedProperties {
  /** Normalized values; `''` clears a property (HubSpot clears on an empty string). */
  values: Record<string, string | null>;
  problems: PropertyProblem[];
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_MS = /^-?\d+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;

/**
 * Checks a `properties` map the way HubSpot's CRM object APIs do: unknown and read-only
 * properties are refused, values must fit the property's type, and (since HubSpot's April 2025
 * change) non-string values must not carry leading or trailing whitespace.
 */
export function checkProperties(type: ObjectTypeDef, raw: unknown): CheckedProperties {
  if (raw === undefined) return { values: {}, problems: [] };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidInputJson('Cannot deserialize value of type `java.util.Map` from non-object value');
  }
  const values: Record<string, string | null> = {};
  const problems: PropertyProblem[] = [];
  for (const [name, rawValue] of Object.entries(raw)) {
    const value = coerce(rawValue);
    const definition = type.properties.get(name);
    if (!definition) {
      problems.push({ name, value, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (definition.readOnlyValue) {
      problems.push({ name, value, error: 'READ_ONLY_VALUE', message: `Property "${name}" is a read only property` });
      continue;
    }
    // An empty string clears the property; HubSpot then answers it as "" (the spec types
    // written properties as strings), while a property never set reads as null.
    if (value === '') {
      values[name] = '';
      continue;
    }
    const checked = checkValue(type, definition, value);
    if ('problem' in checked) problems.push({ name, value, ...checked.problem });
    else values[name] = checked.value;
  }
  return { values, problems };
}

// Jackson binds JSON numbers and booleans to strings; nested structures do not bind.
function coerce(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalidInputJson('Cannot deserialize value of type `java.lang.String` from Object value');
}

type Checked = { value: string } | { problem: { error: string; message: string } };

function checkValue(type: ObjectTypeDef, definition: PropertyDefinition, value: string): Checked {
  if (type.name === 'contacts' && definition.name === 'email') return checkEmail(value);
  switch (definition.type) {
    case 'string':
      return { value };
    case 'number':
      return NUMBER.test(value)
        ? { value }
        : { problem: { error: 'INVALID_INTEGER', message: `${value} was not a valid number.` } };
    case 'bool':
    case 'enumeration':
      return checkOptions(definition, value);
    case 'date':
      return checkDate(value);
    case 'datetime':
      return checkDatetime(value);
  }
}

function checkEmail(value: string): Checked {
  return EMAIL.test(value)
    ? { value: value.toLowerCase() }
    : { problem: { error: 'INVALID_EMAIL', message: `Email address ${value} is invalid` } };
}

function checkOptions(definition: PropertyDefinition, value: string): Checked {
  const allowed = (definition.options ?? []).map((option) => option.value);
  const chosen = definition.fieldType === 'checkbox' ? value.split(';') : [value];
  const bad = chosen.find((choice) => !allowed.includes(choice));
  if (bad === undefined) return { value };
  return {
    problem: {
      error: 'INVALID_OPTION',
      message: `${bad} was not one of the allowed options: [${allowed.join(', ')}]`,
    },
  };
}

// Date properties hold a day: YYYY-MM-DD, or a timestamp that falls on midnight UTC.
function checkDate(value: string): Checked {
  const day = DATE_ONLY.exec(value);
  if (day) {
    const parsed = new Date(`${value}T00:00:00.000Z`);
    if (!Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value)) return { value };
    return invalidDate(value);
  }
  const ms = EPOCH_MS.test(value) ? Number(value) : ISO_DATETIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) return invalidDate(value);
  const at = new Date(ms);
  if (ms % 86_400_000 !== 0) {
    const time = `${at.getUTCHours()}:${at.getUTCMinutes()}:${at.getUTCSeconds()}.${at.getUTCMilliseconds()}`;
    return { problem: { error: 'INVALID_DATE', message: `${value} is at ${time} UTC, not midnight!` } };
  }
  return { value: at.toISOString().slice(0, 10) };
}

function invalidDate(value: string): Checked {
  return { problem: { error: 'INVALID_DATE', message: `${value} was not a valid date.` } };
}

// Datetime properties take epoch milliseconds or an ISO 8601 string; reads return ISO 8601.
function checkDatetime(value: string): Checked {
  const ms = EPOCH_MS.test(value) ? Number(value) : ISO_DATETIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) return { problem: { error: 'INVALID_LONG', message: `${value} was not a valid long.` } };
  return { value: new Date(ms).toISOString() };
}
