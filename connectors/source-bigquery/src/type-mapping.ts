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

/** A row of a query result as the REST API sends it: cells in field order. */
export interface WireRow {
  readonly f: readonly WireCell[];
}

/** A cell: a scalar's text, a RECORD's `{f}`, a REPEATED field's cells, or null. */
export interface WireCell {
  readonly v: string | WireRow | readonly WireCell[] | null;
}

/** Turns a wire value (`cell.v`) into its RECORD representation. */
export type Converter = (value: WireCell['v']) => unknown;

/**
 * The converter of a field's wire values. Scalars arrive as text (INT64 and NUMERIC as plain
 * digits, BYTES as base64, TIMESTAMP as int64 microseconds when `formatOptions.useInt64Timestamp`
 * is set), so most of them are already what types.md asks for.
 */
export function converterFor(field: TableField): Converter {
  const one = scalarConverter(field);
  if (field.mode === 'REPEATED') {
    return (value) => (value === null ? [] : (value as readonly WireCell[]).map((cell) => nullSafe(one, cell.v)));
  }
  return (value) => nullSafe(one, value);
}

function nullSafe(convert: Converter, value: WireCell['v']): unknown {
  return value === null || value === undefined ? null : convert(value);
}

/** Converts whole rows of `fields` into records. */
export function rowConverter(fields: readonly TableField[]): (row: WireRow) => Record<string, unknown> {
  const columns = fields.map((field) => ({ name: field.name!, convert: converterFor(field) }));
  return (row) => {
    const record: Record<string, unknown> = {};
    columns.forEach(({ name, convert }, i) => setField(record, name, convert(row.f[i]?.v ?? null)));
    return record;
  };
}

// Assigning `record["__proto__"]` would replace the prototype instead of adding a column.
function setField(record: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[name] = value;
  }
}

function scalarConverter(field: TableField): Converter {
  switch (field.type) {
    case 'FLOAT':
    case 'FLOAT64':
      // Java's Double.toString form (`1.5E-7`, `NaN`, `Infinity`) parses as a JS number.
      return (value) => {
        const number = Number(value);
        return Number.isFinite(number) ? number : String(value);
      };
    case 'BOOLEAN':
    case 'BOOL':
      return (value) => value === 'true';
    case 'DATETIME':
      return (value) => trimFraction(String(value).replace(' ', 'T'));
    case 'TIME':
      return (value) => trimFraction(String(value));
    case 'TIMESTAMP':
      return (value) => timestampText(String(value));
    case 'INTERVAL':
      return (value) => isoDuration(String(value));
    case 'JSON':
      return (value) => JSON.parse(String(value)) as unknown;
    case 'RECORD':
    case 'STRUCT':
      return rowConverter(field.fields ?? []) as Converter;
    default:
      // INT64, NUMERIC, BIGNUMERIC (plain digits), STRING, BYTES (base64), DATE, GEOGRAPHY (WKT), RANGE.
      return (value) => value;
  }
}

const MICROS_PER_SECOND = 1_000_000n;

/**
 * A TIMESTAMP as ISO-8601 UTC with its microseconds: from int64 microseconds (what we ask
 * for), an ISO string, or float seconds (BigQuery's default format, millisecond-exact here).
 */
export function timestampText(text: string): string {
  if (/^-?\d+$/.test(text)) {
    const micros = BigInt(text);
    let seconds = micros / MICROS_PER_SECOND;
    let fraction = micros % MICROS_PER_SECOND;
    if (fraction < 0n) {
      seconds -= 1n;
      fraction += MICROS_PER_SECOND;
    }
    const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
    return trimFraction(`${whole}.${String(fraction).padStart(6, '0')}Z`);
  }
  if (text.includes('T')) return trimFraction(text);
  return trimFraction(new Date(Number(text) * 1000).toISOString());
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
