import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { runInProcess } from '@backflow/protocol/testing';
import { destination } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql('CREATE TABLE people (id integer PRIMARY KEY, email text NOT NULL, score numeric)');
});
afterAll(() => db?.drop());

const catalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: { name: 'people', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'] },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append_dedup',
      primary_key: [['id']],
    },
  ],
};

it('upserts the fixture, rejects the bad record alone and commits before each state', async () => {
  const run = await runInProcess(destination, 'write', { config: db.config, catalog, input: fixture('people.jsonl') });
  expect(run.exitCode).toBe(0);
  expect(run.states.map((state) => state.stream?.stream_state)).toEqual([{ cursor: 1 }, { cursor: 2 }]);
  expect(run.states[0]!.destinationStats?.rejected_records).toEqual([
    {
      stream: 'people',
      key: { id: 3 },
      reason: 'invalid input syntax for type numeric: "not a number"',
      retryable: false,
    },
  ]);
  expect(await db.sql('SELECT id, email, score::float AS score FROM people ORDER BY id')).toEqual([
    { id: 1, email: 'ada@lovelace.org', score: 10 },
    { id: 2, email: 'grace@example.com', score: 8 },
  ]);
});

it('discovers the tables it can upsert into, with their keys and typed fields', async () => {
  const run = await runInProcess(destination, 'discover', { config: db.config });
  expect(run.destinationCatalog?.operations).toEqual([
    {
      object_name: 'people',
      sync_mode: 'append_dedup',
      matching_keys: [['id']],
      json_schema: {
        type: 'object',
        required: ['id', 'email'],
        properties: { id: { type: 'integer' }, email: { type: 'string' }, score: { type: ['number', 'null'] } },
      },
    },
  ]);
});

it('refuses a stream without a table at open, and fails check on a wrong database without printing the password', async () => {
  const missing = await runInProcess(destination, 'write', {
    config: db.config,
    catalog: { streams: [{ ...catalog.streams[0]!, stream: { ...catalog.streams[0]!.stream, name: 'nope' } }] },
    input: [],
  });
  expect(missing.errors[0]?.message).toMatch(/stream "nope": no table of that name/);
  const check = await runInProcess(destination, 'check', {
    config: { ...db.config, database: 'no_such_database', password: 'pw-never-shown' },
  });
  expect(check.connectionStatus?.status).toBe('FAILED');
  expect(JSON.stringify(check.messages)).not.toContain('pw-never-shown');
});
