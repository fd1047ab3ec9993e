import { parseArrayLiteral } from './array-literal.js';
import {
  encodeBoolean,
  encodeDate,
  encodeFloat,
  encodeInteger,
  encodeJson,
  encodeString,
  encodeTimestamp,
  encodeTimestampTz,
  type FieldEncoder,
} from './copy-json.js';
import {
  booleanValue,
  byteaValue,
  dateValue,
  floatValue,
  jsonValue,
  timeTzValue,
  timestampTzValue,
  timestampValue,
} from './text-values.js';
import type { PgType } from './type-registry.js';

/** A JSON Schema fragment describing one column. */
export type JsonSchema = Record<string, unknown>;

/** Turns a column's text output into its RECORD value. */
export type Decoder = (text: string) => unknown;

/** How a column's values are read: `encode`, where a type has one, writes most of them from COPY text directly. */
export interface Codec {
  readonly decode: Decoder;
  readonly encode?: FieldEncoder | undefined;
}

interface Mapping extends Codec {
  readonly schema: JsonSchema;
}

const asText: Decoder = (text) => text;
const asInteger: Decoder = (text) => Number(text);

const JSON_ANY: JsonSchema = { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] };
const TEXT: Mapping = { schema: { type: 'string' }, decode: asText, encode: encodeString };

// Built-in type OIDs (pg_type.dat) and their representation from protocol/docs/types.md.
const BUILTINS = new Map<number, Mapping>([
  [16, { schema: { type: 'boolean' }, decode: booleanValue, encode: encodeBoolean }],
  [17, { schema: { type: 'string', contentEncoding: 'base64', airbyte_type: 'binary' }, decode: byteaValue }],
  [20, { schema: { type: 'string', airbyte_type: 'integer' }, decode: asText, encode: encodeString }],
  [21, { schema: { type: 'integer' }, decode: asInteger, encode: encodeInteger }],
  [23, { schema: { type: 'integer' }, decode: asInteger, encode: encodeInteger }],
  [26, { schema: { type: 'integer' }, decode: asInteger, encode: encodeInteger }],
  [114, { schema: JSON_ANY, decode: jsonValue }],
  [3802, { schema: JSON_ANY, decode: jsonValue, encode: encodeJson }],
  [700, { schema: { type: ['null', 'number'] }, decode: floatValue, encode: encodeFloat }],
  [701, { schema: { type: ['null', 'number'] }, decode: floatValue, encode: encodeFloat }],
  [1700, { schema: { type: 'string', airbyte_type: 'number' }, decode: asText, encode: encodeString }],
  [1082, { schema: { type: 'string', format: 'date' }, decode: dateValue, encode: encodeDate }],
  [1083, { schema: { type: 'string', airbyte_type: 'time_without_timezone' }, decode: asText, encode: encodeString }],
  [1266, { schema: { type: 'string', airbyte_type: 'time_with_timezone' }, decode: timeTzValue }],
  [
    1114,
    {
      schema: { type: 'string', format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
      decode: timestampValue,
      encode: encodeTimestamp,
    },
  ],
  [
    1184,
    {
      schema: { type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
      decode: timestampTzValue,
      encode: encodeTimestampTz,
    },
  ],
  [1186, { schema: { type: 'string', airbyte_type: 'interval' }, decode: asText, encode: encodeString }],
  [2950, { schema: { type: 'string', format: 'uuid' }, decode: asText, encode: encodeString }],
]);

function mappingFor(type: PgType): Mapping {
  if (type.kind === 'scalar') return BUILTINS.get(type.base) ?? TEXT;
  const element = mappingFor(type.element);
  const decodeElement = element.decode;
  return {
    schema: { type: 'array', items: nullable(element.schema) },
    decode: (text) => parseArrayLiteral(text, decodeElement, type.delimiter),
  };
}

/** Adds `"null"` to a schema's `type` (json/jsonb already allow it). */
function nullable(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (Array.isArray(type)) return type.includes('null') ? schema : { ...schema, type: ['null', ...type] };
  return { ...schema, type: ['null', type] };
}

/** The JSON Schema of a column of `type`, with `"null"` in `type` when it may be NULL. */
export function columnSchema(type: PgType, isNullable: boolean): JsonSchema {
  const schema = mappingFor(type).schema;
  return isNullable ? nullable(schema) : { ...schema };
}

/** How values of a column of `type` are read (NULLs never reach its decoder nor its encoder). */
export function codecFor(type: PgType): Codec {
  const { decode, encode } = mappingFor(type);
  return { decode, encode };
}
