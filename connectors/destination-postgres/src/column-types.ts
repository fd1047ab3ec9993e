/** The Postgres types this destination creates, one per value representation of protocol/docs/types.md. */
export type ScalarKind =
  | 'bigint'
  | 'numeric'
  | 'double precision'
  | 'boolean'
  | 'text'
  | 'uuid'
  | 'date'
  | 'timestamptz'
  | 'timestamp'
  | 'time'
  | 'timetz'
  | 'interval'
  | 'bytea'
  | 'jsonb';

/** The column type a stream field needs: a scalar, or a one-type Postgres array of one. */
export interface ColumnType {
  readonly kind: ScalarKind;
  readonly array: boolean;
}

type JsonSchema = Readonly<Record<string, unknown>>;

const STRING_KINDS: Readonly<Record<string, ScalarKind>> = {
  integer: 'bigint',
  number: 'numeric',
  timestamp_with_timezone: 'timestamptz',
  timestamp_without_timezone: 'timestamp',
  time_without_timezone: 'time',
  time_with_timezone: 'timetz',
  interval: 'interval',
  binary: 'bytea',
};

/** The SQL spelling of a column type, for CREATE TABLE. */
export function sqlType(type: ColumnType): string {
  return type.array ? `${type.kind}[]` : type.kind;
}

/**
 * The column type for a field's JSON Schema, mapping protocol/docs/types.md back: decimal
 * strings to bigint/numeric (exact), numbers to double precision (JSON numbers are doubles)
 * and `integer` to bigint (any JSON integer fits), date/time strings to their types, base64
 * binary to bytea, arrays of one scalar type to Postgres arrays, and objects, mixed or
 * untyped values to jsonb.
 */
export function columnTypeFor(schema: JsonSchema): ColumnType {
  const scalar = scalarKind(schema);
  if (scalar) return { kind: scalar, array: false };
  if (singleType(schema) === 'array') {
    const items = schema.items;
    const element =
      items && typeof items === 'object' && !Array.isArray(items) ? scalarKind(items as JsonSchema) : undefined;
    if (element && element !== 'jsonb') return { kind: element, array: true };
  }
  return { kind: 'jsonb', array: false };
}

function scalarKind(schema: JsonSchema): ScalarKind | undefined {
  const airbyteType = typeof schema.airbyte_type === 'string' ? schema.airbyte_type : undefined;
  switch (singleType(schema)) {
    case 'integer':
      return 'bigint';
    case 'number':
      // Airbyte's older spelling of a whole number.
      return airbyteType === 'integer' ? 'bigint' : 'double precision';
    case 'boolean':
      return 'boolean';
    case 'string':
      if (airbyteType && STRING_KINDS[airbyteType]) return STRING_KINDS[airbyteType];
      if (schema.contentEncoding === 'base64') return 'bytea';
      if (schema.format === 'date') return 'date';
      if (schema.format === 'date-time') return 'timestamptz';
      if (schema.format === 'uuid') return 'uuid';
      return 'text';
    case 'object':
    case undefined:
      return 'jsonb';
    default:
      return undefined;
  }
}

/** The one non-null JSON type a schema allows, or undefined when it allows several or any. */
function singleType(schema: JsonSchema): string | undefined {
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter(
    (type) => type !== 'null' && type !== undefined,
  );
  return types.length === 1 ? String(types[0]) : undefined;
}

/** How an existing column's type is grouped when checking what can be written into it. */
export type TypeFamily =
  | 'integer'
  | 'numeric'
  | 'float'
  | 'boolean'
  | 'text'
  | 'uuid'
  | 'date'
  | 'timestamptz'
  | 'timestamp'
  | 'time'
  | 'timetz'
  | 'interval'
  | 'bytea'
  | 'json'
  | 'other';

const FAMILY_BY_TYPNAME: Readonly<Record<string, TypeFamily>> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  numeric: 'numeric',
  float4: 'float',
  float8: 'float',
  bool: 'boolean',
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  name: 'text',
  citext: 'text',
  uuid: 'uuid',
  date: 'date',
  timestamptz: 'timestamptz',
  timestamp: 'timestamp',
  time: 'time',
  timetz: 'timetz',
  interval: 'interval',
  bytea: 'bytea',
  json: 'json',
  jsonb: 'json',
};

/** The family of a `pg_type.typname` (domains resolved to their base type first). */
export function familyOf(typname: string): TypeFamily {
  return FAMILY_BY_TYPNAME[typname] ?? 'other';
}

// Which existing column types each kind of value can be written into without loss or
// reinterpretation. Text columns take anything (its text form); a plain string may go into
// any type Postgres can parse from text (enums, inet, …), rows it cannot parse are rejected.
const ACCEPTS: Readonly<Record<ScalarKind, readonly TypeFamily[]>> = {
  bigint: ['integer', 'numeric', 'float', 'text'],
  numeric: ['numeric', 'float', 'text'],
  'double precision': ['float', 'numeric', 'text'],
  boolean: ['boolean', 'text'],
  text: [
    'integer',
    'numeric',
    'float',
    'boolean',
    'text',
    'uuid',
    'date',
    'timestamptz',
    'timestamp',
    'time',
    'timetz',
    'interval',
    'bytea',
    'json',
    'other',
  ],
  uuid: ['uuid', 'text'],
  date: ['date', 'timestamp', 'timestamptz', 'text'],
  timestamptz: ['timestamptz', 'text'],
  timestamp: ['timestamp', 'timestamptz', 'text'],
  time: ['time', 'text'],
  timetz: ['timetz', 'text'],
  interval: ['interval', 'text'],
  bytea: ['bytea', 'text'],
  jsonb: ['json', 'text'],
};

/** An existing column's type as the catalog describes it. */
export interface ExistingType {
  /** `format_type` spelling, for messages, e.g. `character varying(20)` or `integer[]`. */
  readonly display: string;
  readonly family: TypeFamily;
  /** For an array column: the family of its elements. */
  readonly element: TypeFamily | undefined;
}

/** Whether values of `needed` can be written into a column of `existing` type. */
export function isCompatible(needed: ColumnType, existing: ExistingType): boolean {
  if (existing.element !== undefined) return needed.array && ACCEPTS[needed.kind].includes(existing.element);
  if (needed.array) return existing.family === 'json' || existing.family === 'text';
  return ACCEPTS[needed.kind].includes(existing.family);
}
