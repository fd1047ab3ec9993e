import type { TableField } from '@google-cloud/bigquery';
import type { SqlDialect, SqlTypes } from '@backflow/protocol/connector';
import { quoteIdent } from './sql.js';
import type { QueryParameter } from './warehouse.js';

/** A column of a BigQuery relation, as the SDK's read planner sees it. */
export interface BigQueryColumn {
  readonly name: string;
  readonly field: TableField;
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

/** The GoogleSQL parameter type of `field`, or undefined when BigQuery cannot order by it (RECORD, JSON, arrays, ...). */
function parameterType(field: TableField): string | undefined {
  return field.mode === 'REPEATED' ? undefined : PARAMETER_TYPES[field.type ?? ''];
}

/** BigQuery's types, for the SDK's read planner. */
export const bigQueryTypes: SqlTypes<BigQueryColumn> = {
  orderable: (column) => parameterType(column.field) !== undefined,
  typeName: ({ field }) => (field.mode === 'REPEATED' ? `ARRAY<${field.type}>` : String(field.type)),
};

/** Quoting and binding for the SDK's SELECT builder: values travel as typed named parameters. */
export const bigQueryDialect: SqlDialect<BigQueryColumn, QueryParameter> = {
  quote: quoteIdent,
  bind: (value, column, index) => ({
    placeholder: `@p${index}`,
    parameter: {
      name: `p${index}`,
      parameterType: { type: parameterType(column.field)! },
      parameterValue: { value: typeof value === 'string' ? value : JSON.stringify(value) },
    },
  }),
};
