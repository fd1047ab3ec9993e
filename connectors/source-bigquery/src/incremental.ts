import type { TableField } from '@google-cloud/bigquery';
import { incrementalSelect, type JsonValue, type Resume } from '@backflow/protocol/connector';
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

/** The ordered incremental query (see `incrementalSelect`), values bound as typed GoogleSQL parameters. */
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
  const sql = incrementalSelect(relation, select, cursor, key, resume, { quote: quoteIdent, bind });
  return { sql, parameters };
}
