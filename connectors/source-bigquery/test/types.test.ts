import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '@backflow/protocol/testing';
import {
  configFor,
  configure,
  findStream,
  PROJECT,
  sourceFor,
  startBigQueryFake,
  type BigQueryFake,
} from './helpers.js';

const SETUP = `
CREATE TABLE analytics.all_types (
  i BIGINT NOT NULL, n DECIMAL(38, 9), bn DECIMAL(38, 20), f DOUBLE, b BOOLEAN, s VARCHAR, y BLOB,
  d DATE, dt TIMESTAMP, t TIME, ts TIMESTAMPTZ, j JSON,
  r STRUCT(a BIGINT, tags VARCHAR[], inner_rec STRUCT(x DOUBLE)), arr BIGINT[], recs STRUCT(k VARCHAR, v BIGINT)[],
  iv INTERVAL
);
INSERT INTO analytics.all_types VALUES
  (9007199254740993, 12345.5, 0.12345678901234567891, 1.5e-7, true, 'héllo "world"', '\\x00\\xFFab'::BLOB,
   DATE '2024-02-29', TIMESTAMP '2024-02-29 12:34:56.123456', TIME '08:09:10.5', TIMESTAMPTZ '2024-02-29 12:34:56.123456+00',
   '{"k": [1, 2], "big": 12345678901234567890}', {'a': 1, 'tags': ['x', 'y'], 'inner_rec': {'x': 2.5}}, [3, -9223372036854775808, 2],
   [{'k': 'a', 'v': 1}], INTERVAL 3 DAY + INTERVAL 4 HOUR + INTERVAL 500 MILLISECOND),
  (2, NULL, NULL, 'NaN'::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMPTZ '1970-01-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL),
  (3, -0.000000001, -99999999999999999.99999999999999999999, '-Infinity'::DOUBLE, false, '', ''::BLOB, DATE '0001-01-01', TIMESTAMP '9999-12-31 23:59:59.999999',
   TIME '23:59:59.999999', TIMESTAMPTZ '0001-01-01 00:00:00+00', '"just a string"', NULL, [], [], -INTERVAL 1 YEAR);
`;

describe('BigQuery types', () => {
  let fake: BigQueryFake;
  beforeAll(async () => {
    fake = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics'] });
    await fake.db.run(SETUP);
  });
  afterAll(() => fake.close());

  it('discover maps every BigQuery type per protocol/docs/types.md', async () => {
    const { source } = sourceFor(fake);
    const run = await runInProcess(source, 'discover', { config: configFor(fake) });
    expect(run.errors).toEqual([]);
    const stream = findStream(run.catalog, 'all_types');
    expect(stream.namespace).toBe('analytics');
    expect(stream.supported_sync_modes).toEqual(['full_refresh', 'incremental']);
    const nullable = (schema: Record<string, unknown>) => ({ ...schema, type: ['null', schema.type] });
    expect(stream.json_schema.properties).toEqual({
      i: { type: 'string', airbyte_type: 'integer' },
      n: nullable({ type: 'string', airbyte_type: 'number' }),
      bn: nullable({ type: 'string', airbyte_type: 'number' }),
      f: nullable({ type: 'number' }),
      b: nullable({ type: 'boolean' }),
      s: nullable({ type: 'string' }),
      y: nullable({ type: 'string', contentEncoding: 'base64', airbyte_type: 'binary' }),
      d: nullable({ type: 'string', format: 'date' }),
      dt: nullable({ type: 'string', format: 'date-time', airbyte_type: 'timestamp_without_timezone' }),
      t: nullable({ type: 'string', airbyte_type: 'time_without_timezone' }),
      ts: nullable({ type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' }),
      j: { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] },
      r: {
        type: ['null', 'object'],
        properties: {
          a: nullable({ type: 'string', airbyte_type: 'integer' }),
          tags: { type: 'array', items: { type: 'string' } },
          inner_rec: { type: ['null', 'object'], properties: { x: nullable({ type: 'number' }) } },
        },
      },
      arr: { type: 'array', items: { type: 'string', airbyte_type: 'integer' } },
      recs: {
        type: 'array',
        items: {
          type: 'object',
          properties: { k: nullable({ type: 'string' }), v: nullable({ type: 'string', airbyte_type: 'integer' }) },
        },
      },
      iv: nullable({ type: 'string', airbyte_type: 'interval' }),
    });
  });

  it('read emits values exactly as protocol/docs/types.md says', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake);
    const discovered = await runInProcess(source, 'discover', { config });
    const run = await runInProcess(source, 'read', {
      config,
      catalog: configure([findStream(discovered.catalog, 'all_types')]),
    });
    expect(run.errors).toEqual([]);
    const byId = Object.fromEntries(run.records.map((record) => [record.data.i as string, record.data]));
    expect(byId['9007199254740993']).toEqual({
      i: '9007199254740993',
      n: '12345.5',
      bn: '0.12345678901234567891',
      f: 1.5e-7,
      b: true,
      s: 'héllo "world"',
      y: Buffer.from([0x00, 0xff, 0x61, 0x62]).toString('base64'),
      d: '2024-02-29',
      dt: '2024-02-29T12:34:56.123456',
      t: '08:09:10.5',
      ts: '2024-02-29T12:34:56.123456Z',
      // JSON travels parsed (types.md), so its numbers are doubles, as JSON.parse makes them.
      j: { k: [1, 2], big: JSON.parse('12345678901234567890') },
      r: { a: '1', tags: ['x', 'y'], inner_rec: { x: 2.5 } },
      arr: ['3', '-9223372036854775808', '2'],
      recs: [{ k: 'a', v: '1' }],
      iv: 'P3DT4H0.5S',
    });
    expect(byId['2']).toEqual({
      i: '2',
      n: null,
      bn: null,
      f: 'NaN',
      b: null,
      s: null,
      y: null,
      d: null,
      dt: null,
      t: null,
      ts: '1970-01-01T00:00:00Z',
      j: null,
      r: null,
      arr: [],
      recs: [],
      iv: null,
    });
    expect(byId['3']).toMatchObject({
      n: '-0.000000001',
      bn: '-99999999999999999.99999999999999999999',
      f: '-Infinity',
      b: false,
      s: '',
      y: '',
      d: '0001-01-01',
      dt: '9999-12-31T23:59:59.999999',
      t: '23:59:59.999999',
      ts: '0001-01-01T00:00:00Z',
      j: 'just a string',
      iv: 'P-1Y',
    });
  });
});
