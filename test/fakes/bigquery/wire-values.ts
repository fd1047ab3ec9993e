import { DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimeValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} from '@duckdb/node-api';
import { QueryError } from './errors.js';
import { bigQueryType, elementType, recordColumns } from './schema.js';

/** A cell of BigQuery's JSON row format: `{v: scalar-as-string | {f: cells} | cells | null}`. */
export interface Cell {
  v: string | null | { f: Cell[] } | Cell[];
}

/** A row of BigQuery's JSON row format. */
export interface Row {
  f: Cell[];
}

/** How TIMESTAMP values are written, from the request's DataFormatOptions. */
export type TimestampFormat = 'FLOAT64' | 'INT64' | 'ISO8601_STRING';

/** Picks the TIMESTAMP format from `formatOptions.*` (the API's default is FLOAT64). */
export function timestampFormat(options: {
  timestampOutputFormat?: string;
  useInt64Timestamp?: boolean | string;
}): TimestampFormat {
  const explicit = options.timestampOutputFormat;
  if (explicit === 'INT64' || explicit === 'ISO8601_STRING' || explicit === 'FLOAT64') return explicit;
  return options.useInt64Timestamp === true || options.useInt64Timestamp === 'true' ? 'INT64' : 'FLOAT64';
}

/**
 * Formats a double the way BigQuery's JSON rows do (Java's Double.toString): plain decimal
 * with at least one fraction digit for 1e-3 <= |x| < 1e7, otherwise `d.dddE<exp>` —
 * hence timestamps like "1.447216127E9".
 */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(value);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function fraction(micros: bigint): string {
  const rest = micros - floorDiv(micros, 1_000_000n) * 1_000_000n;
  return rest === 0n ? '' : `.${rest.toString().padStart(6, '0')}`;
}

// `YYYY-MM-DDTHH:MM:SS` of an instant given in microseconds since the epoch.
function civil(micros: bigint): string {
  const date = new Date(Number(floorDiv(micros, 1000n)));
  return date.toISOString().slice(0, 19);
}

function timestampString(micros: bigint, format: TimestampFormat): string {
  if (format === 'INT64') return micros.toString();
  if (format === 'ISO8601_STRING')
    return `${civil(micros)}.${(micros - floorDiv(micros, 1_000_000n) * 1_000_000n).toString().padStart(6, '0')}Z`;
  return formatDouble(Number(micros) / 1e6);
}

function datetimeMicros(value: DuckDBValue): bigint {
  if (value instanceof DuckDBTimestampValue) return value.micros;
  if (value instanceof DuckDBTimestampSecondsValue) return value.seconds * 1_000_000n;
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.millis * 1000n;
  if (value instanceof DuckDBTimestampNanosecondsValue) return floorDiv(value.nanos, 1000n);
  throw new Error(`not a DATETIME value: ${String(value)}`);
}

function timeString(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const pad = (n: bigint): string => n.toString().padStart(2, '0');
  return `${pad(seconds / 3600n)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}${fraction(micros)}`;
}

// BigQuery NUMERIC/BIGNUMERIC carry no scale: 1.50 is written "1.5", 2.000 as "2".
function decimalString(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

// BigQuery returns JSON values in compact form: whitespace outside strings goes, numbers
// keep their digits (no round trip through JS numbers).
function compactJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (ch === '"') {
        inString = false;
      }
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (!/\s/.test(ch)) {
      out += ch;
    }
  }
  return out;
}

// INTERVAL's canonical form: "Y-M D H:M:S[.F]".
function intervalString(value: DuckDBIntervalValue): string {
  const years = Math.trunc(value.months / 12);
  const months = Math.abs(value.months % 12);
  const negative = value.micros < 0n;
  const micros = negative ? -value.micros : value.micros;
  const seconds = micros / 1_000_000n;
  const time = `${seconds / 3600n}:${(seconds / 60n) % 60n}:${seconds % 60n}${fraction(micros)}`;
  return `${value.months < 0 && years === 0 ? '-' : ''}${years}-${months} ${value.days} ${negative ? '-' : ''}${time}`;
}

function scalar(value: DuckDBValue, type: DuckDBType, format: TimestampFormat): string {
  switch (bigQueryType(type)) {
    case 'BOOLEAN':
      return value ? 'true' : 'false';
    case 'FLOAT':
      return formatDouble(Number(value));
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return decimalString(value instanceof DuckDBDecimalValue ? value.toString() : String(value));
    case 'BYTES':
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case 'DATE':
      return (value as DuckDBDateValue).toString();
    case 'TIME':
      return timeString((value as DuckDBTimeValue).micros);
    case 'DATETIME': {
      const micros = datetimeMicros(value);
      return `${civil(micros)}${fraction(micros)}`;
    }
    case 'TIMESTAMP':
      return timestampString((value as DuckDBTimestampTZValue).micros, format);
    case 'INTERVAL':
      return intervalString(value as DuckDBIntervalValue);
    case 'JSON':
      return compactJson(String(value));
    default:
      return String(value);
  }
}

function items(value: DuckDBValue): readonly DuckDBValue[] {
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items;
  throw new Error(`not a list value: ${String(value)}`);
}

function recordCells(value: DuckDBValue, type: DuckDBType, format: TimestampFormat, name: string): { f: Cell[] } {
  const columns = recordColumns(type);
  const values =
    value instanceof DuckDBStructValue
      ? columns.names.map((child) => value.entries[child] ?? null)
      : [(value as unknown as { key: DuckDBValue }).key, (value as unknown as { value: DuckDBValue }).value];
  return {
    f: values.map((inner, index) =>
      cellOf(inner, columns.types[index] as DuckDBType, format, `${name}.${columns.names[index]}`),
    ),
  };
}

/**
 * Writes one DuckDB value as a BigQuery cell. Scalars become strings; a REPEATED value is
 * a list of cells (NULL arrays become empty, as BigQuery returns them); a NULL element is
 * the error BigQuery raises for it.
 */
export function cellOf(value: DuckDBValue, type: DuckDBType, format: TimestampFormat, name: string): Cell {
  const element = elementType(type);
  if (element) {
    if (value === null) return { v: [] };
    return {
      v: items(value).map((item) => {
        if (item === null) {
          throw new QueryError('invalidQuery', `Array cannot have a null element; error in writing field ${name}`);
        }
        return cellOf(item, element, format, name);
      }),
    };
  }
  if (type.typeId === DuckDBTypeId.MAP) {
    if (value === null) return { v: [] };
    return {
      v: (value as DuckDBMapValue).entries.map((entry) => ({
        v: recordCells(entry as unknown as DuckDBValue, type, format, name),
      })),
    };
  }
  if (value === null) return { v: null };
  if (type.typeId === DuckDBTypeId.STRUCT) return { v: recordCells(value, type, format, name) };
  return { v: scalar(value, type, format) };
}

/** Writes DuckDB rows as BigQuery rows. */
export function rowsOf(
  rows: readonly DuckDBValue[][],
  names: readonly string[],
  types: readonly DuckDBType[],
  format: TimestampFormat,
): Row[] {
  return rows.map((row) => ({
    f: row.map((value, index) => cellOf(value, types[index] as DuckDBType, format, names[index] as string)),
  }));
}
