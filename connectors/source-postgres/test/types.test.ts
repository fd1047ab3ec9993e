import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredCatalog as configure, findStream, runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('sp_types');
  await db.sql(`
    CREATE TYPE mood AS ENUM ('sad', 'happy');
    CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
    CREATE TABLE every_type (
      id bigint PRIMARY KEY,
      small smallint, normal integer NOT NULL, big bigint, exact numeric(38,18), loose numeric,
      f4 real, f8 double precision, flag boolean,
      label text, code varchar(8), fixed char(3), ident uuid, feeling mood, pos positive,
      day date, local_ts timestamp, zoned_ts timestamptz, clock time, zoned_clock timetz, span interval,
      doc json, docb jsonb, blob bytea,
      ints int[], bigs bigint[], texts text[], grid int[][], moods mood[], stamps timestamptz[]
    );
    INSERT INTO every_type VALUES (
      1, -32768, 2147483647, 9007199254740993, 12345678901234567890.123456789012345678, 'NaN',
      1.5, 'Infinity', true,
      'hé "quoted", back\\slash', 'abc', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', 7,
      '0044-03-15 BC', '2024-01-31 12:34:56.789123', '2024-01-31 12:34:56.789123+02', '12:34:56.789', '12:34:56+05:30',
      '1 year 2 months 3 days 04:05:06.5',
      '{"n": 1.5, "list": [1, "two", null]}', '{"nested": {"deep": [true, {"x": 9007199254740991}]}}', '\\xdeadbeef00',
      '{1,NULL,3}', '{9223372036854775807,-9223372036854775808}', '{"a,b","c\\"d",NULL,"NULL",""}', '{{1,2},{3,4}}',
      '{sad,happy}', '{"2024-01-31 00:00:00+00","1999-12-31 23:59:59.999999-01"}'
    );
    INSERT INTO every_type (id, normal) VALUES (2, 0);
    CREATE VIEW every_type_view AS SELECT id, normal, zoned_ts FROM every_type;
    CREATE SCHEMA "Odd Schema";
    CREATE TABLE "Odd Schema"."odd ""table""" ("__proto__" int, "quote""d" text, "Mixed Case" int);
    INSERT INTO "Odd Schema"."odd ""table""" VALUES (1, 'x', 2);
  `);
});

afterAll(async () => {
  await db?.drop();
});

describe('discover', () => {
  it('maps every column type as protocol/docs/types.md says', async () => {
    const run = await runInProcess(source, 'discover', { config: db.config });
    expect(run.errors).toEqual([]);
    const stream = findStream(run.catalog, 'every_type', 'public');
    expect(stream.source_defined_primary_key).toEqual([['id']]);
    expect(stream.supported_sync_modes).toEqual(['full_refresh', 'incremental']);
    const properties = (stream.json_schema as { properties: Record<string, unknown> }).properties;
    const json = { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] };
    expect(properties).toEqual({
      id: { type: 'string', airbyte_type: 'integer' },
      small: { type: ['null', 'integer'] },
      normal: { type: 'integer' },
      big: { type: ['null', 'string'], airbyte_type: 'integer' },
      exact: { type: ['null', 'string'], airbyte_type: 'number' },
      loose: { type: ['null', 'string'], airbyte_type: 'number' },
      f4: { type: ['null', 'number'] },
      f8: { type: ['null', 'number'] },
      flag: { type: ['null', 'boolean'] },
      label: { type: ['null', 'string'] },
      code: { type: ['null', 'string'] },
      fixed: { type: ['null', 'string'] },
      ident: { type: ['null', 'string'], format: 'uuid' },
      feeling: { type: ['null', 'string'] },
      pos: { type: ['null', 'integer'] },
      day: { type: ['null', 'string'], format: 'date' },
      local_ts: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
      zoned_ts: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
      clock: { type: ['null', 'string'], airbyte_type: 'time_without_timezone' },
      zoned_clock: { type: ['null', 'string'], airbyte_type: 'time_with_timezone' },
      span: { type: ['null', 'string'], airbyte_type: 'interval' },
      doc: json,
      docb: json,
      blob: { type: ['null', 'string'], contentEncoding: 'base64', airbyte_type: 'binary' },
      ints: { type: ['null', 'array'], items: { type: ['null', 'integer'] } },
      bigs: { type: ['null', 'array'], items: { type: ['null', 'string'], airbyte_type: 'integer' } },
      texts: { type: ['null', 'array'], items: { type: ['null', 'string'] } },
      grid: { type: ['null', 'array'], items: { type: ['null', 'integer'] } },
      moods: { type: ['null', 'array'], items: { type: ['null', 'string'] } },
      stamps: {
        type: ['null', 'array'],
        items: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
      },
    });
  });

  it('lists views with nullable columns and no primary key', async () => {
    const run = await runInProcess(source, 'discover', { config: db.config });
    const view = findStream(run.catalog, 'every_type_view', 'public');
    expect(view.source_defined_primary_key).toBeUndefined();
    expect((view.json_schema as { properties: Record<string, unknown> }).properties).toEqual({
      id: { type: ['null', 'string'], airbyte_type: 'integer' },
      normal: { type: ['null', 'integer'] },
      zoned_ts: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
    });
  });

  it('lists only the tables named in "tables"', async () => {
    const run = await runInProcess(source, 'discover', {
      config: { ...db.config, tables: ['public.every_type_view'] },
    });
    expect(run.catalog?.streams.map((s) => s.name)).toEqual(['every_type_view']);
  });
});

describe('read', () => {
  it('quotes every identifier and keeps any column name, even __proto__', async () => {
    const config = { ...db.config, schemas: ['Odd Schema'] };
    const discovered = await runInProcess(source, 'discover', { config });
    const stream = findStream(discovered.catalog, 'odd "table"', 'Odd Schema');
    expect(Object.keys((stream.json_schema as { properties: object }).properties)).toEqual([
      '__proto__',
      'quote"d',
      'Mixed Case',
    ]);
    const run = await runInProcess(source, 'read', { config, catalog: configure(stream) });
    expect(run.errors).toEqual([]);
    expect(JSON.stringify(run.records[0]!.data)).toBe('{"__proto__":1,"quote\\"d":"x","Mixed Case":2}');
  });

  it('emits every value exactly, NULLs as null', async () => {
    const discovered = await runInProcess(source, 'discover', { config: db.config });
    const catalog = configure(findStream(discovered.catalog, 'every_type', 'public'));
    const run = await runInProcess(source, 'read', { config: db.config, catalog });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const rows = run.records.map((record) => record.data).sort((a, b) => Number(a.id) - Number(b.id));
    expect(rows[0]).toEqual({
      id: '1',
      small: -32768,
      normal: 2147483647,
      big: '9007199254740993',
      exact: '12345678901234567890.123456789012345678',
      loose: 'NaN',
      f4: 1.5,
      f8: null,
      flag: true,
      label: 'hé "quoted", back\\slash',
      code: 'abc',
      fixed: 'ab ',
      ident: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      feeling: 'happy',
      pos: 7,
      day: '-0043-03-15',
      local_ts: '2024-01-31T12:34:56.789123',
      zoned_ts: '2024-01-31T10:34:56.789123Z',
      clock: '12:34:56.789',
      zoned_clock: '12:34:56+05:30',
      span: 'P1Y2M3DT4H5M6.5S',
      doc: { n: 1.5, list: [1, 'two', null] },
      docb: { nested: { deep: [true, { x: 9007199254740991 }] } },
      blob: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]).toString('base64'),
      ints: [1, null, 3],
      bigs: ['9223372036854775807', '-9223372036854775808'],
      texts: ['a,b', 'c"d', null, 'NULL', ''],
      grid: [
        [1, 2],
        [3, 4],
      ],
      moods: ['sad', 'happy'],
      stamps: ['2024-01-31T00:00:00Z', '2000-01-01T00:59:59.999999Z'],
    });
    const nulls = rows[1]!;
    expect(nulls.id).toBe('2');
    expect(nulls.normal).toBe(0);
    for (const [column, value] of Object.entries(nulls)) {
      if (column !== 'id' && column !== 'normal') expect(value, column).toBeNull();
    }
  });

  it('reads only the columns the configured stream keeps', async () => {
    const discovered = await runInProcess(source, 'discover', { config: db.config });
    const stream = findStream(discovered.catalog, 'every_type', 'public');
    const json_schema = { type: 'object', properties: { id: {}, zoned_ts: {} } };
    const run = await runInProcess(source, 'read', {
      config: db.config,
      catalog: configure({ ...stream, json_schema }),
    });
    expect(run.records.map((record) => record.data)).toEqual(
      expect.arrayContaining([
        { id: '1', zoned_ts: '2024-01-31T10:34:56.789123Z' },
        { id: '2', zoned_ts: null },
      ]),
    );
  });
});
