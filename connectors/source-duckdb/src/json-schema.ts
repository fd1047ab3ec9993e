import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

/** A JSON Schema fragment describing one column (protocol/docs/types.md). */
export type JsonSchema = Record<string, unknown>;

const BIG_INTEGER: JsonSchema = { type: 'string', airbyte_type: 'integer' };
const TEXT: JsonSchema = { type: 'string' };

/** The JSON Schema of a DuckDB column type, as protocol/docs/types.md prescribes. */
export function schemaForType(type: DuckDBType): JsonSchema {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: 'boolean' };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return { type: 'integer' };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return { ...BIG_INTEGER };
    case DuckDBTypeId.DECIMAL:
      return { type: 'string', airbyte_type: 'number' };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { type: ['null', 'number'] };
    case DuckDBTypeId.VARCHAR:
      return type.alias === 'JSON' ? { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] } : { ...TEXT };
    case DuckDBTypeId.UUID:
      return { type: 'string', format: 'uuid' };
    case DuckDBTypeId.DATE:
      return { type: 'string', format: 'date' };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { type: 'string', format: 'date-time', airbyte_type: 'timestamp_without_timezone' };
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return { type: 'string', airbyte_type: 'time_without_timezone' };
    case DuckDBTypeId.TIME_TZ:
      return { type: 'string', airbyte_type: 'time_with_timezone' };
    case DuckDBTypeId.INTERVAL:
      return { type: 'string', airbyte_type: 'interval' };
    case DuckDBTypeId.BLOB:
      return { type: 'string', contentEncoding: 'base64', airbyte_type: 'binary' };
    case DuckDBTypeId.STRUCT:
      return {
        type: 'object',
        properties: Object.fromEntries(
          type.entryNames.map((name, i) => [name, nullable(schemaForType(type.entryTypes[i]!))]),
        ),
      };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { type: 'array', items: nullable(schemaForType(type.valueType)) };
    case DuckDBTypeId.MAP:
      // JSON objects only have string keys: keys travel in their text form (as DuckDB's to_json does).
      return { type: 'object', additionalProperties: nullable(schemaForType(type.valueType)) };
    case DuckDBTypeId.SQLNULL:
      return { type: 'null' };
    default:
      // ENUM, BIT, UNION, GEOMETRY, VARIANT, ...: the database's text form.
      return { ...TEXT };
  }
}

/** Adds `"null"` to a schema's `type` (first, as in `["null","string"]`). */
export function nullable(schema: JsonSchema): JsonSchema {
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.includes('null')) return schema;
  return { ...schema, type: ['null', ...types] };
}
