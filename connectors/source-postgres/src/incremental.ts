import type { SqlDialect, SqlTypes } from '@backflow/protocol/connector';
import { quoteIdent, quoteLiteral } from './sql.js';
import type { PgType } from './type-registry.js';

/** A column of a relation as Postgres describes it, for the SDK's read planner. */
export interface PgColumn {
  readonly name: string;
  readonly type: PgType;
}

// Types without a btree ordering (or with one that does not round-trip through text).
const UNORDERED = new Set(['json', 'xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle']);

/** Postgres' types, for the SDK's read planner. */
export const postgresTypes: SqlTypes<PgColumn> = {
  orderable: ({ type }) =>
    type.kind === 'scalar'
      ? !UNORDERED.has(type.sqlName.replace(/^pg_catalog\./, ''))
      : postgresTypes.orderable({ name: '', type: type.element }),
  typeName: ({ type }) => type.sqlName,
};

/**
 * Quoting and binding for the SDK's SELECT builder. Cursor and key values are Postgres' own
 * text output of the column (UTC, ISO DateStyle), so they round-trip exactly as literals
 * cast to the column's type. They are literals, quoted, not parameters: the read is a
 * `COPY (SELECT …)`, which takes no parameters. Reads ordered by cursor only ask Postgres where a new cursor
 * value starts: two text forms can be one value (numeric 1.0 = 1.00).
 */
export const postgresDialect: SqlDialect<PgColumn, string> = {
  quote: quoteIdent,
  bind: (value, column) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return { placeholder: `CAST(${quoteLiteral(text)} AS ${column.type.sqlName})`, parameter: text };
  },
  cursorValueStarts: (cursor) =>
    `(lag(${cursor}) OVER (ORDER BY ${cursor} ASC NULLS FIRST) IS DISTINCT FROM ${cursor})`,
};
