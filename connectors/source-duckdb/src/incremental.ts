import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { ConfigError, type JsonValue, type Resume } from '@backflow/protocol/connector';
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

/**
 * The ordered query of an incremental read: rows after `resume`, ordered by (cursor, key).
 * NULL cursors sort first (read on the first run only); NULL key values sort last within
 * a cursor value and count as "after" any key, so resuming never skips them.
 */
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
  const c = quoteIdent(cursor.name);
  let where = '';
  switch (resume.kind) {
    case 'start':
      break;
    case 'non-null-cursor':
      where = `${c} IS NOT NULL`;
      break;
    case 'after-cursor':
      where = `${c} > ${bind(resume.cursor, cursor)}`;
      break;
    case 'from-cursor':
      where = `${c} >= ${bind(resume.cursor, cursor)}`;
      break;
    case 'after-key': {
      const value = bind(resume.cursor, cursor);
      where = `${c} > ${value} OR (${c} = ${value} AND ${afterKey(key, resume.key, bind)})`;
      break;
    }
  }
  const order = [`${c} ASC NULLS FIRST`, ...key.map((k) => `${quoteIdent(k.name)} ASC NULLS LAST`)].join(', ');
  const sql =
    `SELECT ${select.map(quoteIdent).join(', ')} FROM ${relation} AS src` +
    (where ? ` WHERE ${where}` : '') +
    ` ORDER BY ${order}`;
  return { sql, params };
}

function afterKey(
  key: readonly KeyColumn[],
  values: readonly JsonValue[],
  bind: (value: JsonValue, column: KeyColumn) => string,
): string {
  if (values.length !== key.length)
    throw new ConfigError('the saved state has a different number of primary key values');
  const [first, ...rest] = key;
  if (!first) return 'FALSE';
  const k = quoteIdent(first.name);
  const value = bind(values[0]!, first);
  const later = `${k} > ${value} OR ${k} IS NULL`;
  return rest.length === 0
    ? `(${later})`
    : `(${later} OR (${k} = ${value} AND ${afterKey(rest, values.slice(1), bind)}))`;
}
