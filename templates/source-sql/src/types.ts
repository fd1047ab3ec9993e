import type { SqlDialect, SqlTypes } from '@backflow/protocol/connector';
import type { Column } from './database.js';

// Map each database type to its JSON Schema (protocol/docs/types.md) and its RECORD value.
// Types not listed travel as strings, exactly as the database prints them.
const INTEGERS = new Set(['smallint', 'integer']);
const NUMBERS = new Set(['real', 'double precision']);
const UNORDERED = new Set(['json', 'jsonb', 'xml', 'ARRAY', 'USER-DEFINED']);

/** The JSON Schema of a column's values. */
export function jsonSchemaFor(column: Column): Record<string, unknown> {
  const base: Record<string, unknown> = INTEGERS.has(column.type)
    ? { type: 'integer' }
    : NUMBERS.has(column.type)
      ? { type: 'number' }
      : column.type === 'boolean'
        ? { type: 'boolean' }
        : column.type === 'bigint' || column.type === 'numeric'
          ? { type: 'string', airbyte_type: column.type === 'bigint' ? 'integer' : 'number' }
          : column.type.startsWith('timestamp')
            ? { type: 'string', format: 'date-time' }
            : { type: 'string' };
  const type = base.type as string;
  return column.nullable ? { ...base, type: [type, 'null'] } : base;
}

/** The RECORD value of a column's text. */
export function decode(column: Column, text: string | null): unknown {
  if (text === null) return null;
  if (INTEGERS.has(column.type) || NUMBERS.has(column.type)) return Number(text);
  if (column.type === 'boolean') return text === 't';
  // ISO 8601 from Postgres' ISO output in the session's UTC: `2024-01-01 10:00:00+00` → `2024-01-01T10:00:00Z`.
  if (column.type.startsWith('timestamp')) return text.replace(' ', 'T').replace(/\+00$/, 'Z');
  return text;
}

/** The SDK's read planner: which columns can order a read. */
export const sqlTypes: SqlTypes<Column> = {
  orderable: (column) => !UNORDERED.has(column.type),
  typeName: (column) => column.type,
};

/** Quoting and binding: resume values are the database's own text, cast back to the column's type. */
export const dialect: SqlDialect<Column, string> = {
  quote: (name) => `"${name.replace(/"/g, '""')}"`,
  bind: (value, column, index) => ({
    placeholder: `CAST($${index + 1} AS ${column.type})`,
    parameter: typeof value === 'string' ? value : JSON.stringify(value),
  }),
  cursorValueStarts: (cursor) =>
    `(lag(${cursor}) OVER (ORDER BY ${cursor} ASC NULLS FIRST) IS DISTINCT FROM ${cursor})`,
};
