import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { configure, findStream, runSql, tempDir } from './helpers.js';

// One table holding every DuckDB type protocol/docs/types.md covers: row 1 with edge values,
// row 2 with NULL in every nullable column.
const SETUP = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE all_types (
  id INTEGER PRIMARY KEY,
  t_tinyint TINYINT, t_smallint SMALLINT, t_integer INTEGER NOT NULL, t_uinteger UINTEGER,
  t_bigint BIGINT, t_ubigint UBIGINT, t_hugeint HUGEINT, t_uhugeint UHUGEINT,
  t_decimal DECIMAL(12,2), t_decimal_wide DECIMAL(38,10),
  t_float FLOAT, t_double DOUBLE, t_double_nan DOUBLE,
  t_boolean BOOLEAN, t_varchar VARCHAR, t_uuid UUID, t_enum mood, t_json JSON, t_blob BLOB,
  t_date DATE, t_time TIME, t_timetz TIMETZ,
  t_timestamp TIMESTAMP, t_timestamptz TIMESTAMPTZ, t_timestamp_s TIMESTAMP_S, t_timestamp_ms TIMESTAMP_MS,
  t_timestamp_ns TIMESTAMP_NS, t_timestamp_old TIMESTAMP,
  t_interval INTERVAL, t_interval_neg INTERVAL,
  t_struct STRUCT(name VARCHAR, score DECIMAL(5,2)), t_list INTEGER[], t_array DOUBLE[3],
  t_map MAP(VARCHAR, BIGINT), t_nested STRUCT(tags VARCHAR[], seen TIMESTAMPTZ)[]
);
INSERT INTO all_types VALUES (
  1, -128, 32767, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615, 170141183460469231731687303715884105727, 340282366920938463463374607431768211455,
  12.50, -123456789012345678.0123456789,
  1.5, 0.1, 'NaN',
  true, 'héllo "quoted"', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', '{"plan":"pro","seats":[1,2]}', '\\xDE\\xAD\\xBE\\xEF'::BLOB,
  '2024-02-29', '12:34:56.789', '12:34:56+02:00',
  '2024-01-31 12:34:56.789123', '2024-01-31 12:34:56.789123+02', '2024-01-31 12:34:56', '2024-01-31 12:34:56.789',
  '2024-01-31 12:34:56.123456789', '1969-12-31 23:59:59.5',
  INTERVAL '1 year 2 months 3 days 04:05:06.5', -(INTERVAL '1 day 2 hours'),
  {'name': 'gold', 'score': 9.75}, [1, NULL, 3], [1.5, 2.5, -0.25]::DOUBLE[3],
  MAP {'a': 1, 'b': 9007199254740993}, [{'tags': ['x'], 'seen': '2024-01-01 00:00:00+00'}]
);
INSERT INTO all_types (id, t_integer) VALUES (2, 0);
`;

describe('discover and read every DuckDB type (protocol/docs/types.md)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let config: { path: string };
  beforeAll(async () => {
    dir = await tempDir();
    config = { path: join(dir.dir, 'types.duckdb') };
    await runSql(config.path, SETUP);
  });
  afterAll(() => dir.cleanup());

  it('describes each column with the documented JSON Schema and nullability', async () => {
    const run = await runInProcess(source, 'discover', { config });
    expect(run.errors).toEqual([]);
    const stream = findStream(run.catalog, 'all_types');
    expect(stream.namespace).toBe('main');
    expect(stream.source_defined_primary_key).toEqual([['id']]);
    expect(stream.json_schema.properties).toEqual({
      id: { type: 'integer' },
      t_tinyint: { type: ['null', 'integer'] },
      t_smallint: { type: ['null', 'integer'] },
      t_integer: { type: 'integer' },
      t_uinteger: { type: ['null', 'integer'] },
      t_bigint: { type: ['null', 'string'], airbyte_type: 'integer' },
      t_ubigint: { type: ['null', 'string'], airbyte_type: 'integer' },
      t_hugeint: { type: ['null', 'string'], airbyte_type: 'integer' },
      t_uhugeint: { type: ['null', 'string'], airbyte_type: 'integer' },
      t_decimal: { type: ['null', 'string'], airbyte_type: 'number' },
      t_decimal_wide: { type: ['null', 'string'], airbyte_type: 'number' },
      t_float: { type: ['null', 'number'] },
      t_double: { type: ['null', 'number'] },
      t_double_nan: { type: ['null', 'number'] },
      t_boolean: { type: ['null', 'boolean'] },
      t_varchar: { type: ['null', 'string'] },
      t_uuid: { type: ['null', 'string'], format: 'uuid' },
      t_enum: { type: ['null', 'string'] },
      t_json: { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] },
      t_blob: { type: ['null', 'string'], contentEncoding: 'base64', airbyte_type: 'binary' },
      t_date: { type: ['null', 'string'], format: 'date' },
      t_time: { type: ['null', 'string'], airbyte_type: 'time_without_timezone' },
      t_timetz: { type: ['null', 'string'], airbyte_type: 'time_with_timezone' },
      t_timestamp: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
      t_timestamptz: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
      t_timestamp_s: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
      t_timestamp_ms: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
      t_timestamp_ns: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
      t_timestamp_old: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
      t_interval: { type: ['null', 'string'], airbyte_type: 'interval' },
      t_interval_neg: { type: ['null', 'string'], airbyte_type: 'interval' },
      t_struct: {
        type: ['null', 'object'],
        properties: { name: { type: ['null', 'string'] }, score: { type: ['null', 'string'], airbyte_type: 'number' } },
      },
      t_list: { type: ['null', 'array'], items: { type: ['null', 'integer'] } },
      t_array: { type: ['null', 'array'], items: { type: ['null', 'number'] } },
      t_map: { type: ['null', 'object'], additionalProperties: { type: ['null', 'string'], airbyte_type: 'integer' } },
      t_nested: {
        type: ['null', 'array'],
        items: {
          type: ['null', 'object'],
          properties: {
            tags: { type: ['null', 'array'], items: { type: ['null', 'string'] } },
            seen: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
          },
        },
      },
    });
  });

  it('reads values exactly in their documented representation', async () => {
    const discovered = await runInProcess(source, 'discover', { config });
    const run = await runInProcess(source, 'read', {
      config,
      catalog: configure([findStream(discovered.catalog, 'all_types')]),
    });
    expect(run.errors).toEqual([]);
    const [first, second] = run.records.map((record) => record.data);
    expect(first).toEqual({
      id: 1,
      t_tinyint: -128,
      t_smallint: 32767,
      t_integer: 2147483647,
      t_uinteger: 4294967295,
      t_bigint: '9223372036854775807',
      t_ubigint: '18446744073709551615',
      t_hugeint: '170141183460469231731687303715884105727',
      t_uhugeint: '340282366920938463463374607431768211455',
      t_decimal: '12.50',
      t_decimal_wide: '-123456789012345678.0123456789',
      t_float: 1.5,
      t_double: 0.1,
      t_double_nan: null,
      t_boolean: true,
      t_varchar: 'héllo "quoted"',
      t_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      t_enum: 'happy',
      t_json: { plan: 'pro', seats: [1, 2] },
      t_blob: '3q2+7w==',
      t_date: '2024-02-29',
      t_time: '12:34:56.789',
      t_timetz: '12:34:56+02:00',
      t_timestamp: '2024-01-31T12:34:56.789123',
      t_timestamptz: '2024-01-31T10:34:56.789123Z',
      t_timestamp_s: '2024-01-31T12:34:56',
      t_timestamp_ms: '2024-01-31T12:34:56.789',
      t_timestamp_ns: '2024-01-31T12:34:56.123456789',
      t_timestamp_old: '1969-12-31T23:59:59.5',
      t_interval: 'P1Y2M3DT4H5M6.5S',
      t_interval_neg: 'P-1DT-2H',
      t_struct: { name: 'gold', score: '9.75' },
      t_list: [1, null, 3],
      t_array: [1.5, 2.5, -0.25],
      t_map: { a: '1', b: '9007199254740993' },
      t_nested: [{ tags: ['x'], seen: '2024-01-01T00:00:00Z' }],
    });
    expect(Object.entries(second!).filter(([, value]) => value !== null)).toEqual([
      ['id', 2],
      ['t_integer', 0],
    ]);
    expect(Object.keys(second!)).toHaveLength(Object.keys(first!).length);
  });

  it('reads only the columns the configured catalog keeps', async () => {
    const discovered = await runInProcess(source, 'discover', { config });
    const stream = findStream(discovered.catalog, 'all_types');
    const narrowed = { ...stream, json_schema: { type: 'object', properties: { id: {}, t_decimal: {} } } };
    const run = await runInProcess(source, 'read', { config, catalog: configure([narrowed]) });
    expect(run.records.map((record) => record.data)).toEqual([
      { id: 1, t_decimal: '12.50' },
      { id: 2, t_decimal: null },
    ]);
  });
});
