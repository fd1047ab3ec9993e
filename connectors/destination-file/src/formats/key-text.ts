import type { Cell } from './row-format.js';

/** A value as CSV field text: strings as-is, numbers and booleans in JSON form, nested values as JSON. */
export function cellText(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** The value at a nested path of an object, or undefined. */
export function valueAt(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const part of path) {
    // Own fields only: a field named "__proto__" or "constructor" is data, never inherited.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Matching key values as one comparable string. Values compare by their text form, so the
 * number 7 and the string "7" are the same key: a CSV file cannot tell them apart either.
 */
export function keyText(values: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  for (const value of values) {
    const text = cellText(value);
    if (text === null) return undefined;
    parts.push(text);
  }
  return JSON.stringify(parts);
}

/** The matching key of a JSON object. */
export function objectKey(data: unknown, keyPaths: readonly (readonly string[])[]): string | undefined {
  return keyText(keyPaths.map((path) => valueAt(data, path)));
}
