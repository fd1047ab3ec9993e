import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { incrementalSelect, type JsonValue, type Resume } from '@backflow/protocol/connector';
import { quoteIdent } from './sql.js';

export interface KeyColumn {
  readonly name: string;
  readonly type: DuckDBType;
}

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

export interface Query {
  readonly sql: string;
  readonly params: string[];
}

/** The ordered incremental query (see `incrementalSelect`), values bound as typed DuckDB parameters. */
export function incrementalQuery(
  relation: string,
  select: readonly string[],
  cursor: KeyColumn,
  key: readonly KeyColumn[],
  resume: Resume,
): Query {
  const params: string[] = [];
  const bind = (value: JsonValue, column: KeyColumn) => {
    params.push(typeof value === 'string' ? value : JSON.stringify(value));
    return `CAST($${params.length} AS ${column.type.toString()})`;
  };
  const sql = incrementalSelect(relation, select, cursor, key, resume, { quote: quoteIdent, bind });
  return { sql, params };
}
