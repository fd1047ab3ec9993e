import type { CoercionType } from '../generated/connection.js';

/** The destination types a mapped value can be converted to (declared by the connection schema). */
export type { CoercionType };

/** A value that cannot be converted; the row is reported invalid with this reason. */
export class CoercionError extends Error {}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Converts a value to a type. `null` stays `null` (a missing value is not a wrong one);
 * anything that would need guessing fails: `"12abc"` is not a number, `2.5` not an integer,
 * `"maybe"` not a boolean.
 */
export function coerce(value: unknown, type: CoercionType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'number':
      return toNumber(value);
    case 'integer': {
      const number = toNumber(value);
      if (!Number.isInteger(number)) throw new CoercionError(`${describe(value)} is not an integer`);
      if (!Number.isSafeInteger(number))
        throw new CoercionError(`${describe(value)} is too large for an exact integer`);
      return number;
    }
    case 'boolean':
      return toBoolean(value);
    case 'date':
      return toDate(value).toISOString().slice(0, 10);
    case 'datetime':
      return toDate(value).toISOString();
  }
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CoercionError(`${describe(value)} is not a finite number`);
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value.trim())) {
    const number = Number(value.trim());
    if (Number.isFinite(number)) return number;
  }
  throw new CoercionError(`${describe(value)} is not a number`);
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  throw new CoercionError(`${describe(value)} is not a boolean`);
}

/** Strings in ISO 8601 (a date alone is midnight UTC), numbers as Unix epoch seconds. */
function toDate(value: unknown): Date {
  let date: Date | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value * 1000);
  else if (typeof value === 'string') {
    const text = value.trim();
    date = new Date(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  }
  if (!date || Number.isNaN(date.getTime())) throw new CoercionError(`${describe(value)} is not a date`);
  return date;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
