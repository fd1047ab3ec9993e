import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { SqlDialect, SqlTypes } from '@backflow/protocol/connector';
import { quoteIdent } from './sql.js';
import type { Column } from './streams.js';

/** Types whose order DuckDB and our text representation agree on, so a read can resume from a value. */
const ORDERABLE = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIME,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.VARCHAR,
  DuckDBTypeId.UUID,
]);

export function isOrderable(type: DuckDBType): boolean {
  return ORDERABLE.has(type.typeId) && type.alias !== 'JSON';
}

/** DuckDB's types, for the SDK's read planner. */
export const duckdbTypes: SqlTypes<Column> = {
  orderable: (column) => isOrderable(column.type),
  typeName: (column) => column.type.toString(),
};

/** Quoting and binding for the SDK's SELECT builder: values travel as text cast to the column's type. */
export const duckdbDialect: SqlDialect<Column, string> = {
  quote: quoteIdent,
  bind: (value, column, index) => ({
    placeholder: `CAST($${index + 1} AS ${column.type.toString()})`,
    parameter: typeof value === 'string' ? value : JSON.stringify(value),
  }),
};
