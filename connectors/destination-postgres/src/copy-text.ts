import type { TypeFamily } from './column-types.js';

/** A value refused before it reached Postgres, e.g. binary that is not base64. */
export class ValueError extends Error {}

/** Turns a record value into the text Postgres parses for a column; null means SQL NULL. */
export type ValueEncoder = (value: unknown) => string | null;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The encoder for a column of the given family: JSON columns get the value as JSON, bytea
 * columns base64 decoded to hex when the field is binary, arrays an array literal, and
 * everything else the value's text form (Postgres parses the representations of
 * protocol/docs/types.md as they are: ISO dates and durations, decimal strings, "NaN").
 */
export function encoderFor(family: TypeFamily, element: TypeFamily | undefined, binary: boolean): ValueEncoder {
  if (element !== undefined) {
    const encodeElement = encoderFor(element, undefined, binary);
    return (value) => (value === null || value === undefined ? null : arrayLiteral(value, encodeElement));
  }
  if (family === 'json') return (value) => (value === null || value === undefined ? null : JSON.stringify(value));
  if (family === 'bytea' && binary) return (value) => (value === null || value === undefined ? null : byteaHex(value));
  return textOf;
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function byteaHex(value: unknown): string {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new ValueError('binary value is not base64');
  return `\\x${Buffer.from(value, 'base64').toString('hex')}`;
}

/** A Postgres array literal (`{"a","b",NULL}`), nested arrays as dimensions, every element quoted. */
function arrayLiteral(value: unknown, encodeElement: ValueEncoder): string {
  if (!Array.isArray(value)) throw new ValueError(`expected an array, got ${typeof value}`);
  const items = value.map((item) => {
    if (Array.isArray(item)) return arrayLiteral(item, encodeElement);
    const text = encodeElement(item);
    return text === null ? 'NULL' : `"${text.replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${items.join(',')}}`;
}

/** COPY's text for SQL NULL. */
export const COPY_NULL = '\\N';

/** Turns a record value into one field of COPY's text format: escaped, `COPY_NULL` for SQL NULL. */
export type FieldEncoder = (value: unknown) => string;

/**
 * The COPY field encoder for a column, chosen once so each value takes one branch: JSON
 * text can only hold backslashes (it escapes control characters itself), plain values are
 * escaped only when they hold a character COPY gives meaning to.
 */
export function fieldEncoderFor(family: TypeFamily, element: TypeFamily | undefined, binary: boolean): FieldEncoder {
  if (element === undefined && family === 'json') return jsonField;
  const encode = encoderFor(family, element, binary);
  if (encode === textOf) return textField;
  return (value) => copyField(encode(value));
}

/**
 * How a column's field can be a JSON token's own text, when the token prints the same:
 * `text` for a column taking a value's plain text (strings unquoted, numbers and booleans
 * printed), `jsonb` for a jsonb column (the value as JSON; jsonb ignores spaces and member
 * order, so only a `json` column needs JSON.stringify's exact text).
 */
export type RawForm = 'text' | 'jsonb' | undefined;

export function rawFormOf(
  family: TypeFamily,
  element: TypeFamily | undefined,
  binary: boolean,
  display: string,
): RawForm {
  if (encoderFor(family, element, binary) === textOf) return 'text';
  return element === undefined && display === 'jsonb' ? 'jsonb' : undefined;
}

function textField(value: unknown): string {
  if (typeof value === 'string') return copyText(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return COPY_NULL;
  return copyText(JSON.stringify(value));
}

function jsonField(value: unknown): string {
  if (value === null || value === undefined) return COPY_NULL;
  const json = JSON.stringify(value);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIALS = /[\\\n\r\t]/g;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function copyText(text: string): string {
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIALS, (char) => COPY_ESCAPES[char]!) : text;
}

/** One field of COPY's text format: backslash escapes, `\N` for NULL. */
export function copyField(text: string | null): string {
  return text === null ? COPY_NULL : copyText(text);
}
