import { GoogleApiError } from './errors.js';

/** BigQuery's QueryParameterType. */
export interface QueryParameterType {
  type: string;
  arrayType?: QueryParameterType;
  structTypes?: { name?: string; type: QueryParameterType }[];
}

/** BigQuery's QueryParameterValue. */
export interface QueryParameterValue {
  /** A string on the wire, though clients may send numbers and booleans bare. */
  value?: string | number | boolean | null;
  arrayValues?: QueryParameterValue[];
  structValues?: Record<string, QueryParameterValue>;
}

/** BigQuery's QueryParameter, as jobs.insert and jobs.query take it. */
export interface QueryParameter {
  name?: string;
  parameterType: QueryParameterType;
  parameterValue?: QueryParameterValue;
}

// GoogleSQL scalar parameter types and the DuckDB type each one binds as.
const SCALAR_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  INTEGER: 'BIGINT',
  FLOAT64: 'DOUBLE',
  FLOAT: 'DOUBLE',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  BYTES: 'BLOB',
  DATE: 'DATE',
  DATETIME: 'TIMESTAMP',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMPTZ',
  JSON: 'JSON',
};

function badParameter(message: string): GoogleApiError {
  return new GoogleApiError(400, 'invalid', message, { location: 'queryParameters', locationType: 'other' });
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The DuckDB type a BigQuery parameter type binds as. */
export function duckTypeOf(type: QueryParameterType): string {
  if (type.type === 'ARRAY') {
    if (!type.arrayType) throw badParameter('Array parameter type must have arrayType');
    return `${duckTypeOf(type.arrayType)}[]`;
  }
  if (type.type === 'STRUCT') {
    const fields = (type.structTypes ?? []).map(
      (field, index) => `"${field.name ?? `_field_${index + 1}`}" ${duckTypeOf(field.type)}`,
    );
    return `STRUCT(${fields.join(', ')})`;
  }
  const duck = SCALAR_TYPES[type.type];
  if (!duck) throw badParameter(`Unsupported query parameter type: ${type.type}`);
  return duck;
}

/** Renders a parameter as a typed DuckDB literal, so it can stand where `@name` or `?` was. */
export function parameterLiteral(parameter: QueryParameter): string {
  return literal(parameter.parameterType, parameter.parameterValue);
}

function literal(type: QueryParameterType, value: QueryParameterValue | undefined): string {
  const duckType = duckTypeOf(type);
  if (type.type === 'ARRAY') {
    if (!value?.arrayValues) return `CAST(NULL AS ${duckType})`;
    const items = value.arrayValues.map((item) => literal(type.arrayType as QueryParameterType, item));
    return `CAST([${items.join(', ')}] AS ${duckType})`;
  }
  if (type.type === 'STRUCT') {
    if (!value?.structValues) return `CAST(NULL AS ${duckType})`;
    const structValues = value.structValues;
    const fields = (type.structTypes ?? []).map((field, index) => {
      const name = field.name ?? `_field_${index + 1}`;
      return `"${name}" := ${literal(field.type, structValues[name])}`;
    });
    return `CAST(struct_pack(${fields.join(', ')}) AS ${duckType})`;
  }
  if (value?.value === undefined || value.value === null) return `CAST(NULL AS ${duckType})`;
  const raw = String(value.value);
  if (type.type === 'BYTES') return `from_base64(${quote(raw)})`;
  return `CAST(${quote(raw)} AS ${duckType})`;
}
