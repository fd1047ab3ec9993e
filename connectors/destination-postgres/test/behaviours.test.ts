import type { AirbyteMessage, ConfiguredAirbyteStream, SyncBehaviour } from '@backflow/protocol';
import { runInProcess } from '@backflow/protocol/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { destination } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { catalogOf, configuredStream, record, state } from './messages.js';

let db: TestDatabase;
let schema: string;
let schemaCount = 0;
beforeAll(async () => {
  db = await createTestDatabase('dest_pg_behaviours');
});
afterAll(async () => {
  await db?.drop();
});
// Each test writes into a fresh schema of the file's database.
beforeEach(() => {
  schema = `s${++schemaCount}`;
});

const people = {
  id: { type: 'integer' },
  name: { type: ['null', 'string'] },
  born: { type: ['null', 'string'], format: 'date' },
};

function stream(behaviour: SyncBehaviour | undefined, extra: Partial<ConfiguredAirbyteStream> = {}) {
  return configuredStream('people', people, behaviour, {
    ...(behaviour && behaviour !== 'append' ? { matching_keys: [['id']] } : {}),
    ...extra,
  });
}

async function write(configured: ConfiguredAirbyteStream, input: AirbyteMessage[]) {
  return runInProcess(destination, 'write', {
    config: { ...db.config, schema },
    catalog: catalogOf(configured),
    input,
  });
}

async function table(order = 'id') {
  const { rows } = await db.client.query(
    `SELECT id::int AS id, name, born::text AS born FROM "${schema}".people ORDER BY ${order}`,
  );
  return rows;
}

const ada = { id: 1, name: 'Ada', born: '1815-12-10' };
const grace = { id: 2, name: 'Grace', born: '1906-12-09' };
const linus = { id: 3, name: 'Linus', born: null };

describe('behaviours', () => {
  it('upsert inserts new keys and replaces existing ones, the last record of a key winning', async () => {
    await write(stream('upsert'), [record('people', ada), record('people', grace), state('people', 1)]);
    const run = await write(stream('upsert'), [
      record('people', { ...ada, name: 'first' }),
      record('people', { ...ada, name: 'Ada Lovelace' }),
      record('people', linus),
      state('people', 2),
    ]);
    expect(run.states[0]?.destinationStats).toMatchObject({ recordCount: 3, rejectedRecordCount: 0 });
    expect(await table()).toEqual([{ ...ada, name: 'Ada Lovelace' }, grace, linus]);
  });

  it('upsert keeps the last record of a key repeated within one batch of new keys', async () => {
    const run = await write(stream('upsert'), [
      record('people', { ...ada, name: 'first' }),
      record('people', grace),
      record('people', ada),
      state('people', 1),
      record('people', linus),
      state('people', 2),
    ]);
    expect(run.states.map((echo) => echo.destinationStats?.rejectedRecordCount)).toEqual([0, 0]);
    expect(await table()).toEqual([ada, grace, linus]);
  });

  it('upsert rejects deletes, which it never performs', async () => {
    await write(stream('upsert'), [record('people', ada), state('people', 1)]);
    const run = await write(stream('upsert'), [record('people', { id: 1 }, 'delete'), state('people', 2)]);
    expect(run.states[0]?.destinationStats?.rejected_records).toEqual([
      expect.objectContaining({ key: { id: 1 }, retryable: false, reason: expect.stringMatching(/never deletes/) }),
    ]);
    expect(await table()).toEqual([ada]);
  });

  it('update changes existing rows and rejects records without one', async () => {
    await write(stream('upsert'), [record('people', ada), state('people', 1)]);
    const run = await write(stream('update'), [
      record('people', { ...ada, name: 'Countess' }),
      record('people', grace),
      state('people', 2),
    ]);
    expect(run.states[0]?.destinationStats?.rejected_records).toEqual([
      {
        stream: 'people',
        key: { id: 2 },
        retryable: false,
        reason: `no existing record with key id=2 in "${schema}"."people"`,
      },
    ]);
    expect(await table()).toEqual([{ ...ada, name: 'Countess' }]);
  });

  it('insert adds only keys not yet present', async () => {
    await write(stream('insert'), [record('people', ada), state('people', 1)]);
    const run = await write(stream('insert'), [
      record('people', { ...ada, name: 'ignored' }),
      record('people', grace),
      record('people', { ...grace, name: 'ignored too' }),
      state('people', 2),
    ]);
    expect(run.states[0]?.destinationStats?.rejectedRecordCount).toBe(0);
    expect(await table()).toEqual([ada, grace]);
  });

  it('insert without a key appends every record, as there is nothing to match', async () => {
    const unkeyed = stream('insert', { matching_keys: undefined });
    await write(unkeyed, [record('people', ada), state('people', 1)]);
    const run = await write(unkeyed, [record('people', ada), record('people', grace), state('people', 2)]);
    expect(run.exitCode).toBe(0);
    expect(run.states[0]?.destinationStats).toMatchObject({ recordCount: 2, rejectedRecordCount: 0 });
    expect(await table('id, name')).toEqual([ada, ada, grace]);
  });

  it('append adds every record, creating no key', async () => {
    await write(stream('append'), [record('people', ada), state('people', 1)]);
    await write(stream('append'), [record('people', ada), record('people', grace), state('people', 2)]);
    expect(await table('id, name')).toEqual([ada, ada, grace]);
  });

  it('mirror upserts and deletes, the last operation on a key winning', async () => {
    await write(stream('mirror'), [
      record('people', ada),
      record('people', grace),
      record('people', linus),
      state('people', 1),
    ]);
    const run = await write(stream('mirror'), [
      record('people', { id: 1 }, 'delete'),
      record('people', { ...grace, name: 'gone soon' }),
      record('people', { id: 2 }, 'delete'),
      record('people', { id: 3 }, 'delete'),
      record('people', { ...linus, name: 'back' }),
      record('people', { id: 99 }, 'delete'),
      state('people', 2),
    ]);
    expect(run.states[0]?.destinationStats).toMatchObject({ recordCount: 6, rejectedRecordCount: 0 });
    expect(await table()).toEqual([{ ...linus, name: 'back' }]);
  });

  it('derives the behaviour from destination_sync_mode when none is given', async () => {
    const overwrite = stream(undefined, { destination_sync_mode: 'overwrite', primary_key: [['id']] });
    await write(overwrite, [record('people', ada), record('people', grace), state('people', 1)]);
    await write(overwrite, [record('people', { id: 1 }, 'delete'), state('people', 2)]);
    expect(await table()).toEqual([grace]);
  });

  it('rejects records with an empty key', async () => {
    const run = await write(stream('upsert'), [
      record('people', { name: 'nobody' }),
      record('people', ada),
      state('people', 1),
    ]);
    expect(run.states[0]?.destinationStats?.rejected_records).toEqual([
      expect.objectContaining({ field: 'id', reason: 'matching key field "id" is empty' }),
    ]);
    expect(await table()).toEqual([ada]);
  });
});

describe('bad rows', () => {
  it('rejects the rows Postgres refuses with its message, and writes the rest', async () => {
    const input = [
      record('people', ada),
      record('people', { id: 2, name: 'bad date', born: '2024-13-45' }),
      record('people', grace),
      record('people', { id: 4, name: 'nul \u0000 byte', born: null }),
      record('people', linus),
      state('people', 1),
    ];
    const run = await write(stream('upsert'), input);
    expect(run.exitCode).toBe(0);
    const rejected = run.states[0]?.destinationStats?.rejected_records;
    expect(rejected).toEqual([
      expect.objectContaining({
        key: { id: 2 },
        retryable: false,
        reason: expect.stringMatching(/column "born": date\/time field value out of range: "2024-13-45"/),
      }),
      expect.objectContaining({ key: { id: 4 }, retryable: false, reason: expect.stringMatching(/0x00/) }),
    ]);
    expect(await table()).toEqual([ada, grace, linus]);
  });

  it('rejects rows that violate a constraint of an existing table', async () => {
    await db.client.query(
      `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".people (id bigint PRIMARY KEY, name text CHECK (name <> 'forbidden'), born date)`,
    );
    const run = await write(stream('upsert'), [
      record('people', ada),
      record('people', { ...grace, name: 'forbidden' }),
      state('people', 1),
    ]);
    expect(run.states[0]?.destinationStats?.rejected_records).toEqual([
      expect.objectContaining({ key: { id: 2 }, reason: expect.stringMatching(/violates check constraint/) }),
    ]);
    expect(await table()).toEqual([ada]);
  });

  it('rejects rows that collide on another unique index, whether their key is new or not', async () => {
    await db.client.query(
      `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".people (id bigint PRIMARY KEY, name text UNIQUE, born date)`,
    );
    const run = await write(stream('upsert'), [
      record('people', ada),
      record('people', { ...grace, name: 'Ada' }),
      state('people', 1),
      record('people', { ...ada, born: null }),
      record('people', { ...linus, name: 'Ada' }),
      state('people', 2),
    ]);
    expect(run.states.map((echo) => echo.destinationStats?.rejected_records)).toEqual([
      [expect.objectContaining({ key: { id: 2 }, reason: expect.stringMatching(/unique constraint/) })],
      [expect.objectContaining({ key: { id: 3 }, reason: expect.stringMatching(/unique constraint/) })],
    ]);
    expect(await table()).toEqual([{ ...ada, born: null }]);
  });
});

describe('existing tables', () => {
  it('names missing columns and type conflicts', async () => {
    await db.client.query(
      `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".people (id bigint PRIMARY KEY, born boolean)`,
    );
    const run = await write(stream('upsert'), [record('people', ada), state('people', 1)]);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(run.errors[0]?.message).toContain(`table "${schema}"."people" does not fit stream "people"`);
    expect(run.errors[0]?.message).toContain('missing columns "name" text');
    expect(run.errors[0]?.message).toContain('"born" is boolean but the stream sends date values');
  });

  it('asks for a unique index on the matching keys', async () => {
    await db.client.query(
      `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".people (id integer, name varchar(20), born timestamptz)`,
    );
    const run = await write(stream('mirror'), [record('people', ada), state('people', 1)]);
    expect(run.errors[0]?.message).toContain(`table "${schema}"."people" has no unique index on ("id")`);
    expect(run.errors[0]?.message).toContain(`CREATE UNIQUE INDEX ON "${schema}"."people" ("id")`);
  });

  it('writes into compatible existing columns and leaves other columns alone', async () => {
    await db.client.query(
      `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".people (extra text DEFAULT 'kept', born timestamptz, name varchar(20), id integer);
       CREATE UNIQUE INDEX ON "${schema}".people (id)`,
    );
    await write(stream('upsert'), [record('people', ada), state('people', 1)]);
    const { rows } = await db.client.query(`SELECT id, name, born::date::text AS born, extra FROM "${schema}".people`);
    expect(rows).toEqual([{ ...ada, extra: 'kept' }]);
  });
});

describe('hostile names', () => {
  it('treats quotes and SQL in schema, table and column names as data', async () => {
    schema = 'sch"; drop table x; --';
    await db.client.query('CREATE TABLE public.x (keep int)');
    const hostile = 'a"; drop table x; --';
    const properties = {
      [hostile]: { type: 'integer' },
      'Mixed Case': { type: 'string' },
      ['__proto__']: { type: 'string' },
    };
    const configured = configuredStream('t"; drop table x; --', properties, 'mirror', { matching_keys: [[hostile]] });
    const data = JSON.parse(`{${JSON.stringify(hostile)}: 1, "Mixed Case": "m", "__proto__": "p"}`) as Record<
      string,
      unknown
    >;
    const run = await write(configured, [record(configured.stream.name, data), state(configured.stream.name, 1)]);
    expect(run.errors).toEqual([]);
    // pg would turn a result column named __proto__ into the row's prototype: aliased.
    const { rows } = await db.client.query(
      `SELECT "a""; drop table x; --" AS hostile, "Mixed Case" AS mixed, "__proto__" AS proto FROM "sch""; drop table x; --"."t""; drop table x; --"`,
    );
    expect(rows).toEqual([{ hostile: '1', mixed: 'm', proto: 'p' }]);
    const { rows: x } = await db.client.query(`SELECT to_regclass('public.x') IS NOT NULL AS present`);
    expect(x).toEqual([{ present: true }]);
  });
});
