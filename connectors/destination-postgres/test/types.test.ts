import { runInProcess } from '@backflow/protocol/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destination } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { catalogOf, configuredStream, record, state } from './messages.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('dest_pg_types');
});
afterAll(async () => {
  await db?.drop();
});

// One field per row of protocol/docs/types.md, and the column type each must create.
const fields: Record<string, [schema: Record<string, unknown>, columnType: string]> = {
  id: [{ type: 'integer' }, 'bigint'],
  small: [{ type: ['null', 'integer'] }, 'bigint'],
  big: [{ type: 'string', airbyte_type: 'integer' }, 'bigint'],
  amount: [{ type: ['null', 'string'], airbyte_type: 'number' }, 'numeric'],
  ratio: [{ type: 'number' }, 'double precision'],
  flag: [{ type: 'boolean' }, 'boolean'],
  label: [{ type: 'string' }, 'text'],
  uid: [{ type: 'string', format: 'uuid' }, 'uuid'],
  day: [{ type: 'string', format: 'date' }, 'date'],
  at: [{ type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' }, 'timestamp with time zone'],
  local_at: [
    { type: 'string', format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
    'timestamp without time zone',
  ],
  clock: [{ type: 'string', airbyte_type: 'time_without_timezone' }, 'time without time zone'],
  clock_tz: [{ type: 'string', airbyte_type: 'time_with_timezone' }, 'time with time zone'],
  span: [{ type: 'string', airbyte_type: 'interval' }, 'interval'],
  doc: [{ type: ['object', 'array', 'string', 'number', 'boolean', 'null'] }, 'jsonb'],
  struct: [{ type: 'object', properties: { a: { type: 'integer' } } }, 'jsonb'],
  tags: [{ type: 'array', items: { type: 'string' } }, 'text[]'],
  scores: [{ type: ['null', 'array'], items: { type: ['null', 'integer'] } }, 'bigint[]'],
  mixed: [{ type: 'array', items: { type: 'object' } }, 'jsonb'],
  blob: [{ type: 'string', contentEncoding: 'base64', airbyte_type: 'binary' }, 'bytea'],
  untyped: [{}, 'jsonb'],
};
const properties = Object.fromEntries(Object.entries(fields).map(([name, [schema]]) => [name, schema]));

const bytes = Buffer.from([0, 1, 2, 0x5c, 0x09, 0x0a, 0xff]);
const rows = [
  {
    id: 1,
    small: 7,
    big: '9007199254740993',
    amount: '12.50',
    ratio: 0.1,
    flag: true,
    label: 'tab\there\nnew line \\ back "q" \r żółć 東京 🚀',
    uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    day: '2024-01-31',
    at: '2024-01-31T12:34:56.789123Z',
    local_at: '2024-01-31T12:34:56.789123',
    clock: '12:34:56.789',
    clock_tz: '12:34:56+02:00',
    span: 'P1DT2H',
    doc: { a: [1, 'x', null], b: { c: true }, 'tab\tkey': 'new\nline' },
    struct: { a: 1 },
    tags: ['a', 'b,c', 'quote"d', 'back\\slash', '{brace}', 'NULL', '', ' spaced '],
    scores: [1, null, 3],
    mixed: [{ x: 1 }, { y: [2] }],
    blob: bytes.toString('base64'),
    untyped: 'just a string',
  },
  {
    id: 2,
    small: -2147483648,
    big: '-9223372036854775808',
    amount: 'NaN',
    ratio: 'Infinity',
    flag: false,
    label: '',
    uid: '00000000-0000-0000-0000-000000000000',
    day: '0001-01-01',
    at: '1970-01-01T00:00:00Z',
    local_at: '2024-02-29T23:59:59.999999',
    clock: '00:00:00',
    clock_tz: '23:59:59-05:30',
    span: 'P1Y2M3DT4H5M6.5S',
    doc: [1, 2],
    struct: {},
    tags: [],
    scores: [],
    mixed: [],
    blob: '',
    untyped: 1.5e300,
  },
  { id: 3 },
];

// Text forms Postgres gives back (TimeZone UTC, DateStyle ISO).
const expectedText = [
  {
    small: '7',
    big: '9007199254740993',
    amount: '12.50',
    ratio: '0.1',
    flag: 'true',
    day: '2024-01-31',
    at: '2024-01-31 12:34:56.789123+00',
    local_at: '2024-01-31 12:34:56.789123',
    clock: '12:34:56.789',
    clock_tz: '12:34:56+02',
    span: '1 day 02:00:00',
    scores: '{1,NULL,3}',
  },
  {
    small: '-2147483648',
    big: '-9223372036854775808',
    amount: 'NaN',
    ratio: 'Infinity',
    flag: 'false',
    day: '0001-01-01',
    at: '1970-01-01 00:00:00+00',
    local_at: '2024-02-29 23:59:59.999999',
    clock: '00:00:00',
    clock_tz: '23:59:59-05:30',
    span: '1 year 2 mons 3 days 04:05:06.5',
    scores: '{}',
  },
];

describe('table creation and values', () => {
  it('creates the table with a type per representation and writes every value exactly', async () => {
    const catalog = catalogOf(configuredStream('everything', properties, 'upsert', { matching_keys: [['id']] }));
    const run = await runInProcess(destination, 'write', {
      config: db.config,
      catalog,
      input: [...rows.map((row) => record('everything', row)), state('everything', 1)],
    });
    expect(run.errors).toEqual([]);
    expect(run.states[0]?.destinationStats).toMatchObject({ recordCount: 3, rejectedRecordCount: 0 });

    const { rows: columns } = await db.client.query<{ attname: string; type: string }>(
      `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = 'public.everything'::regclass AND attnum > 0 ORDER BY attnum`,
    );
    expect(columns.map((c) => [c.attname, c.type])).toEqual(
      Object.entries(fields).map(([name, [, type]]) => [name, type]),
    );
    const { rows: key } = await db.client.query(
      `SELECT 1 FROM pg_index WHERE indrelid = 'public.everything'::regclass AND indisprimary`,
    );
    expect(key).toHaveLength(1);

    const texts = Object.keys(expectedText[0]!).map((c) => `"${c}"::text`);
    const { rows: asText } = await db.client.query(
      `SELECT ${texts.join(', ')} FROM everything WHERE id < 3 ORDER BY id`,
    );
    expect(asText).toEqual(expectedText);

    const { rows: raw } = await db.client.query(
      'SELECT label, uid, doc, struct, tags, mixed, blob, untyped FROM everything ORDER BY id',
    );
    expect(raw).toEqual(
      rows.map((row) => ({
        label: row.label ?? null,
        uid: row.uid ?? null,
        doc: row.doc ?? null,
        struct: row.struct ?? null,
        tags: row.tags ?? null,
        mixed: row.mixed ?? null,
        blob: row.blob === undefined ? null : Buffer.from(row.blob, 'base64'),
        untyped: row.untyped ?? null,
      })),
    );
    const { rows: doubles } = await db.client.query<{ ratio: number }>('SELECT ratio FROM everything WHERE id = 1');
    expect(doubles[0]!.ratio).toBe(0.1);
  });
});
