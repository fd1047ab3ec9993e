import type { TableField } from '@google-cloud/bigquery';
import type { JsonValue, Resume } from '@backflow/protocol/connector';
import { quoteIdent } from './sql.js';
import type { QueryParameter } from './warehouse.js';

/** A column that orders an incremental read, with the parameter type its values bind as. */
export interface KeyColumn {
  readonly name: string;
  readonly parameterType: string;
}

// Legacy type names of the API mapped to GoogleSQL parameter types; only these order and compare.
const PARAMETER_TYPES: Record<string, string> = {
  INTEGER: 'INT64',
  INT64: 'INT64',
  FLOAT: 'FLOAT64',
  FLOAT64: 'FLOAT64',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BOOLEAN: 'BOOL',
  BOOL: 'BOOL',
  STRING: 'STRING',
  BYTES: 'BYTES',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
};

/** The key column of `field`, or undefined when BigQuery cannot order by it (RECORD, JSON, arrays, ...). */
export function keyColumn(field: TableField): KeyColumn | undefined {
  const parameterType = PARAMETER_TYPES[field.type ?? ''];
  if (!parameterType || field.mode === 'REPEATED') return undefined;
  return { name: field.name!, parameterType };
}

export interface Query {
  readonly sql: string;
  readonly parameters: QueryParameter[];
}

/**
 * The ordered query of an incremental read: rows after `resume`, ordered by (cursor, key),
 * with every value bound as a typed query parameter. NULL cursors sort first (read on the
 * first run only); NULL key values sort last within a cursor value and count as "after" any
 * key, so resuming never skips them.
 */
export function incrementalQuery(
  relation: string,
  select: readonly string[],
  cursor: KeyColumn,
  key: readonly KeyColumn[],
  resume: Resume,
): Query {
  const parameters: QueryParameter[] = [];
  const bind = (value: JsonValue, column: KeyColumn): string => {
    const name = `p${parameters.length}`;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    parameters.push({ name, parameterType: { type: column.parameterType }, parameterValue: { value: text } });
    return `@${name}`;
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
  return { sql, parameters };
}

function afterKey(
  key: readonly KeyColumn[],
  values: readonly JsonValue[],
  bind: (value: JsonValue, column: KeyColumn) => string,
): string {
  const [first, ...rest] = key;
  if (!first) return 'FALSE';
  const k = quoteIdent(first.name);
  const value = bind(values[0]!, first);
  const later = `${k} > ${value} OR ${k} IS NULL`;
  return rest.length === 0
    ? `(${later})`
    : `(${later} OR (${k} = ${value} AND ${afterKey(rest, values.slice(1), bind)}))`;
}
