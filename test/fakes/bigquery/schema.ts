import { DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBType } from '@duckdb/node-api';

/** BigQuery's TableFieldSchema, as far as the fake fills it. */
export interface TableFieldSchema {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  fields?: TableFieldSchema[];
  precision?: string;
  scale?: string;
  description?: string;
}

/** A DuckDB type that has no BigQuery counterpart (e.g. a list of lists, a UNION). */
export class UnsupportedTypeError extends Error {}

// BigQuery NUMERIC is DECIMAL(38, 9): at most 29 integer digits and 9 fraction digits.
const NUMERIC_INTEGER_DIGITS = 29;
const NUMERIC_SCALE = 9;

const SCALARS: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.BOOLEAN]: 'BOOLEAN',
  [DuckDBTypeId.TINYINT]: 'INTEGER',
  [DuckDBTypeId.SMALLINT]: 'INTEGER',
  [DuckDBTypeId.INTEGER]: 'INTEGER',
  [DuckDBTypeId.BIGINT]: 'INTEGER',
  [DuckDBTypeId.UTINYINT]: 'INTEGER',
  [DuckDBTypeId.USMALLINT]: 'INTEGER',
  [DuckDBTypeId.UINTEGER]: 'INTEGER',
  // Wider than INT64: the exact decimal types hold them without loss.
  [DuckDBTypeId.UBIGINT]: 'NUMERIC',
  [DuckDBTypeId.HUGEINT]: 'BIGNUMERIC',
  [DuckDBTypeId.UHUGEINT]: 'BIGNUMERIC',
  [DuckDBTypeId.FLOAT]: 'FLOAT',
  [DuckDBTypeId.DOUBLE]: 'FLOAT',
  [DuckDBTypeId.VARCHAR]: 'STRING',
  [DuckDBTypeId.ENUM]: 'STRING',
  [DuckDBTypeId.UUID]: 'STRING',
  [DuckDBTypeId.BLOB]: 'BYTES',
  [DuckDBTypeId.DATE]: 'DATE',
  [DuckDBTypeId.TIME]: 'TIME',
  // DuckDB's TIMESTAMP is a civil date-time (BigQuery DATETIME); TIMESTAMPTZ is an instant.
  [DuckDBTypeId.TIMESTAMP]: 'DATETIME',
  [DuckDBTypeId.TIMESTAMP_S]: 'DATETIME',
  [DuckDBTypeId.TIMESTAMP_MS]: 'DATETIME',
  [DuckDBTypeId.TIMESTAMP_NS]: 'DATETIME',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'TIMESTAMP',
  [DuckDBTypeId.INTERVAL]: 'INTERVAL',
  // Untyped NULL (`SELECT NULL`) is INT64 in GoogleSQL.
  [DuckDBTypeId.SQLNULL]: 'INTEGER',
};

/** The BigQuery type name of a DuckDB type (RECORD for structs and maps). */
export function bigQueryType(type: DuckDBType): string {
  if (type.alias === 'JSON') return 'JSON';
  switch (type.typeId) {
    case DuckDBTypeId.DECIMAL:
      return type.scale <= NUMERIC_SCALE && type.width - type.scale <= NUMERIC_INTEGER_DIGITS
        ? 'NUMERIC'
        : 'BIGNUMERIC';
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return 'RECORD';
    default: {
      const scalar = SCALARS[type.typeId];
      if (!scalar) throw new UnsupportedTypeError(`DuckDB type ${type.toString()} has no BigQuery equivalent`);
      return scalar;
    }
  }
}

/** The element type of a DuckDB LIST or fixed-size ARRAY, or undefined for other types. */
export function elementType(type: DuckDBType): DuckDBType | undefined {
  return type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY ? type.valueType : undefined;
}

/** Names and types of the columns of a RECORD (a STRUCT's entries, or a MAP's key/value). */
export function recordColumns(type: DuckDBType): { names: readonly string[]; types: readonly DuckDBType[] } {
  if (type.typeId === DuckDBTypeId.STRUCT) return { names: type.entryNames, types: type.entryTypes };
  if (type.typeId === DuckDBTypeId.MAP) return { names: ['key', 'value'], types: [type.keyType, type.valueType] };
  throw new UnsupportedTypeError(`${type.toString()} is not a record`);
}

/**
 * Describes a DuckDB column as a BigQuery field: LIST/ARRAY become mode REPEATED, STRUCT a
 * RECORD, MAP a REPEATED RECORD of key/value (as BigQuery exports maps). With `declared`,
 * the column's declared DECIMAL precision and scale are kept (BigQuery's parameterized
 * NUMERIC/BIGNUMERIC); query results drop them, as BigQuery's do.
 */
export function fieldSchema(
  name: string,
  type: DuckDBType,
  options: { nullable?: boolean; declared?: boolean; description?: string | null } = {},
): TableFieldSchema {
  const element = elementType(type);
  if (element) {
    if (elementType(element)) {
      throw new UnsupportedTypeError(
        `Column ${name} is an array of arrays (${type.toString()}), which BigQuery does not allow`,
      );
    }
    return {
      ...fieldSchema(name, element, { declared: options.declared }),
      mode: 'REPEATED',
      ...describe(options.description),
    };
  }
  const field: TableFieldSchema = {
    name,
    type: bigQueryType(type),
    mode: type.typeId === DuckDBTypeId.MAP ? 'REPEATED' : options.nullable === false ? 'REQUIRED' : 'NULLABLE',
  };
  if (field.type === 'RECORD') {
    const columns = recordColumns(type);
    field.fields = columns.names.map((child, index) =>
      fieldSchema(child, columns.types[index] as DuckDBType, { declared: options.declared }),
    );
  }
  const isDefaultNumeric = type.typeId === DuckDBTypeId.DECIMAL && type.width === 38 && type.scale === NUMERIC_SCALE;
  if (options.declared && type.typeId === DuckDBTypeId.DECIMAL && !isDefaultNumeric) {
    field.precision = String(type.width);
    field.scale = String(type.scale);
  }
  return { ...field, ...describe(options.description) };
}

function describe(description: string | null | undefined): { description?: string } {
  return description ? { description } : {};
}
