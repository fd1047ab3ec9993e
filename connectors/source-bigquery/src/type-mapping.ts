import type { TableField } from '@google-cloud/bigquery';

/** A JSON Schema fragment describing one column (protocol/docs/types.md). */
export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of a BigQuery field, as protocol/docs/types.md prescribes. */
export function fieldSchema(field: TableField): JsonSchema {
  const base = scalarSchema(field);
  if (field.mode === 'REPEATED') return { type: 'array', items: base };
  return field.mode === 'REQUIRED' ? base : nullable(base);
}

/** The properties of a row of `fields`. */
export function fieldsSchema(fields: readonly TableField[]): Record<string, JsonSchema> {
  return Object.fromEntries(fields.map((field) => [field.name!, fieldSchema(field)]));
}

function scalarSchema(field: TableField): JsonSchema {
  switch (field.type) {
    case 'INTEGER':
    case 'INT64':
      return { type: 'string', airbyte_type: 'integer' };
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return { type: 'string', airbyte_type: 'number' };
    case 'FLOAT':
    case 'FLOAT64':
      return { type: 'number' };
    case 'BOOLEAN':
    case 'BOOL':
      return { type: 'boolean' };
    case 'BYTES':
      return { type: 'string', contentEncoding: 'base64', airbyte_type: 'binary' };
    case 'DATE':
      return { type: 'string', format: 'date' };
    case 'DATETIME':
      return { type: 'string', format: 'date-time', airbyte_type: 'timestamp_without_timezone' };
    case 'TIMESTAMP':
      return { type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' };
    case 'TIME':
      return { type: 'string', airbyte_type: 'time_without_timezone' };
    case 'INTERVAL':
      return { type: 'string', airbyte_type: 'interval' };
    case 'JSON':
      return { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] };
    case 'RECORD':
    case 'STRUCT':
      return { type: 'object', properties: fieldsSchema(field.fields ?? []) };
    default:
      // STRING, GEOGRAPHY (WKT), RANGE, and types added later: the text form.
      return { type: 'string' };
  }
}

/** Adds `"null"` to a schema's `type` (first, as in `["null","string"]`). */
function nullable(schema: JsonSchema): JsonSchema {
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  return types.includes('null') ? schema : { ...schema, type: ['null', ...types] };
}

/** Turns a value as @google-cloud/bigquery decoded it into its RECORD representation. */
export type Converter = (value: unknown) => unknown;

/**
 * The converter of a field's values. The client must decode with `wrapIntegers` casting
 * INT64 to its decimal string (`integerTypeCastFunction: String`) and `parseJSON: true`.
 */
export function converterFor(field: TableField): Converter {
  const one = scalarConverter(field);
  if (field.mode === 'REPEATED') {
    return (value) =>
      value === null || value === undefined ? [] : (value as unknown[]).map((item) => nullSafe(one, item));
  }
  return (value) => nullSafe(one, value);
}

function nullSafe(convert: Converter, value: unknown): unknown {
  return value === null || value === undefined ? null : convert(value);
}

/** Converts whole rows of `fields`. */
export function rowConverter(fields: readonly TableField[]): (row: Record<string, unknown>) => Record<string, unknown> {
  const columns = fields.map((field) => ({ name: field.name!, convert: converterFor(field) }));
  return (row) => {
    const record: Record<string, unknown> = {};
    for (const { name, convert } of columns) setField(record, name, convert(row[name]));
    return record;
  };
}

// Assigning `record["__proto__"]` would replace the prototype instead of adding a column.
function setField(record: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}

function scalarConverter(field: TableField): Converter {
  switch (field.type) {
    case 'INTEGER':
    case 'INT64':
      return (value) => String(value);
    case 'NUMERIC':
    case 'BIGNUMERIC':
      // big.js: toFixed() without places is the exact value in plain notation.
      return (value) => (value as { toFixed(): string }).toFixed();
    case 'FLOAT':
    case 'FLOAT64':
      return (value) => (Number.isFinite(value) ? value : String(value));
    case 'BYTES':
      return (value) => (value as Buffer).toString('base64');
    case 'DATE':
      return (value) => textOf(value);
    case 'DATETIME':
      return (value) => trimFraction(textOf(value).replace(' ', 'T'));
    case 'TIME':
      return (value) => trimFraction(textOf(value));
    case 'TIMESTAMP':
      // BigQueryTimestamp's value is ISO-8601 UTC with nanoseconds; BigQuery keeps microseconds.
      return (value) => trimFraction(textOf(value));
    case 'INTERVAL':
      return (value) => isoDuration(textOf(value));
    case 'RECORD':
    case 'STRUCT':
      return rowConverter(field.fields ?? []) as Converter;
    case 'BOOLEAN':
    case 'BOOL':
    case 'JSON':
    case 'STRING':
      return (value) => value;
    default:
      return (value) => textOf(value);
  }
}

/** The text inside the client's wrapper objects (BigQueryDate, Geography, ...), or the value itself. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const inner = (value as { value?: unknown }).value;
  return typeof inner === 'string' ? inner : String(value);
}

/** `12:00:00.500000` → `12:00:00.5`, `…56.000000000Z` → `…56Z`: the same instant, without padding. */
export function trimFraction(text: string): string {
  return text.replace(/\.(\d*?)0+(?=Z$|$)/, (_, digits: string) => (digits ? `.${digits}` : ''));
}

/**
 * BigQuery's canonical interval `[-]Y-M [-]D [-]H:M:S[.F]` as an ISO-8601 duration with a
 * sign on each component (`P1Y2M3DT4H5M6.5S`, `P-1DT-2H`, `PT0S`); other text unchanged.
 */
export function isoDuration(text: string): string {
  const match = /^([+-]?)(\d+)-(\d+) ([+-]?)(\d+) ([+-]?)(\d+):(\d+):(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const [, ymSign, years, months, daySign, days, timeSign, hours, minutes, seconds, fraction] = match;
  const part = (sign: string, value: string, unit: string) =>
    Number(value) ? `${sign === '-' ? '-' : ''}${Number(value)}${unit}` : '';
  const frac = (fraction ?? '').replace(/0+$/, '');
  const date = part(ymSign!, years!, 'Y') + part(ymSign!, months!, 'M') + part(daySign!, days!, 'D');
  const secondsPart =
    Number(seconds) || frac ? `${timeSign === '-' ? '-' : ''}${Number(seconds)}${frac ? `.${frac}` : ''}S` : '';
  const time = part(timeSign!, hours!, 'H') + part(timeSign!, minutes!, 'M') + secondsPart;
  if (!date && !time) return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}
