import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteStateMessage, ConfiguredAirbyteCatalog } from '@backflow/protocol';
import {
  byField,
  configuredCatalog as configure,
  findStream,
  readAndResumeFromEveryState,
  runInProcess,
} from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

let db: TestDatabase;

// Cursor values repeat in runs of 1 to 7 rows, so checkpoints every 4 rows fall inside runs.
const RUNS = [3, 5, 1, 7, 4, 2, 6];

beforeAll(async () => {
  db = await createTestDatabase('sp_incr');
  const values: string[] = [];
  let id = 0;
  RUNS.forEach((size, run) => {
    for (let i = 0; i < size; i++) {
      // ids are not in cursor order, so the tie-breaker really is (cursor, id).
      id++;
      values.push(
        `(${(id * 37) % 101}, timestamptz '2024-01-01 00:00:00.000001+00' + interval '${run} hour', 'row ${id}')`,
      );
    }
  });
  await db.sql(`
    CREATE TABLE events (id integer PRIMARY KEY, updated_at timestamptz, note text);
    INSERT INTO events VALUES ${values.join(', ')};
    INSERT INTO events VALUES (1000, NULL, 'no cursor: read on the first run only');
    CREATE VIEW events_view AS SELECT * FROM events;
    CREATE TABLE amounts (id integer PRIMARY KEY, amount numeric);
    INSERT INTO amounts VALUES (1, 1.0), (2, 1.00), (3, 1.000), (4, 2), (5, 2.0), (6, 3);
  `);
});

afterAll(async () => {
  await db?.drop();
});

async function discoverStream(config: object, name: string, namespace?: string) {
  const run = await runInProcess(source, 'discover', { config });
  expect(run.errors).toEqual([]);
  return findStream(run.catalog, name, namespace);
}

async function read(config: Record<string, unknown>, catalog: ConfiguredAirbyteCatalog, state?: AirbyteStateMessage) {
  const run = await runInProcess(source, 'read', { config, catalog, ...(state ? { state: [state] } : {}) });
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  return run;
}

/** Resuming from every checkpoint of a full run yields exactly the rows not yet emitted. */
async function expectExactResumes(config: Record<string, unknown>, catalog: ConfiguredAirbyteCatalog, key: string) {
  const { full, checkpoints, problems } = await readAndResumeFromEveryState(source, { config, catalog }, byField(key));
  const all = full.records.map((record) => String(record.data[key]));
  expect(new Set(all).size).toBe(all.length);
  expect(checkpoints.length).toBeGreaterThan(2);
  expect(problems).toEqual([]);
  return { full, checkpoints };
}

describe('incremental read of a table with a primary key', () => {
  const config = () => ({ ...db.config, checkpoint_interval: 4 });

  it('checkpoints every 4 records and resumes from each checkpoint without skipping or repeating a row', async () => {
    const stream = await discoverStream(config(), 'events', 'public');
    const catalog = configure(stream, { sync_mode: 'incremental', cursor_field: ['updated_at'] });
    const { full, checkpoints } = await expectExactResumes(config(), catalog, 'id');
    const total = RUNS.reduce((a, b) => a + b, 0);
    // The NULL-cursor row comes first, on the first run only; then a checkpoint every 4 rows and one at the end.
    expect(full.records).toHaveLength(total + 1);
    expect(full.records[0]!.data.id).toBe(1000);
    expect(checkpoints.map((c) => c.before.length)).toEqual([4, 8, 12, 16, 20, 24, 28, 29]);
    const lastState = checkpoints.at(-1)!.state;
    expect(lastState.stream?.stream_state).toMatchObject({ cursor_field: 'updated_at', primary_key: ['id'] });
    expect(lastState.sourceStats?.recordCount).toBe(1);
  });

  it('picks up rows added after the final checkpoint, including ones sharing its cursor value', async () => {
    const stream = await discoverStream(config(), 'events', 'public');
    const catalog = configure(stream, { sync_mode: 'incremental', cursor_field: ['updated_at'] });
    const full = await read(config(), catalog);
    const final = full.states.at(-1)!;
    expect((await read(config(), catalog, final)).records).toHaveLength(0);
    await db.sql(`INSERT INTO events SELECT 5000, updated_at, 'late tie' FROM events WHERE id = $1`, [
      Number(full.records.at(-1)!.data.id),
    ]);
    await db.sql(`INSERT INTO events VALUES (5001, '2030-01-01', 'later')`);
    try {
      const next = await read(config(), catalog, final);
      expect(next.records.map((record) => record.data.id)).toEqual([5000, 5001]);
    } finally {
      await db.sql('DELETE FROM events WHERE id >= 5000');
    }
  });
});

describe('incremental read without a primary key', () => {
  it('checkpoints only between different cursor values, and resumes exactly', async () => {
    const config = { ...db.config, checkpoint_interval: 4 };
    const stream = await discoverStream(config, 'events_view', 'public');
    expect(stream.source_defined_primary_key).toBeUndefined();
    const catalog = configure(stream, { sync_mode: 'incremental', cursor_field: ['updated_at'] });
    const { full, checkpoints } = await expectExactResumes(config, catalog, 'id');
    // The NULL-cursor row, then runs of 3, 5, 1, 7, 4, 2, 6 rows: a checkpoint once >= 4 rows
    // since the last, at the next run's start, and one at the end.
    expect(checkpoints.map((c) => c.before.length)).toEqual([4, 9, 17, 21, 29]);
    for (const { state, before } of checkpoints) {
      expect(state.stream?.stream_state).not.toHaveProperty('primary_key_values');
      const cursor = full.records[before.length - 1]!.data.updated_at;
      const next = full.records[before.length]?.data.updated_at;
      expect(next).not.toBe(cursor);
    }
  });

  it('treats cursor values Postgres finds equal as one run (1.0 = 1.00)', async () => {
    const config = {
      ...db.config,
      checkpoint_interval: 1,
      tables: [],
      models: [{ name: 'amounts_model', sql: 'select id, amount from amounts' }],
    };
    const stream = await discoverStream(config, 'amounts_model');
    const catalog = configure(stream, { sync_mode: 'incremental', cursor_field: ['amount'] });
    const { checkpoints } = await expectExactResumes(config, catalog, 'id');
    expect(checkpoints.map((c) => c.before.length)).toEqual([3, 5, 6]);
  });
});

describe('incremental read of a model', () => {
  it('uses the primary key and cursor the model config declares', async () => {
    const config = {
      ...db.config,
      checkpoint_interval: 5,
      tables: [],
      models: [
        {
          name: 'notes',
          sql: 'select id, updated_at, upper(note) as shout from events;',
          primary_key: ['id'],
          cursor_field: 'updated_at',
        },
      ],
    };
    const stream = await discoverStream(config, 'notes');
    expect(stream.default_cursor_field).toEqual(['updated_at']);
    expect(stream.source_defined_primary_key).toEqual([['id']]);
    const { checkpoints } = await expectExactResumes(config, configure(stream, { sync_mode: 'incremental' }), 'id');
    expect(checkpoints[0]!.state.stream?.stream_state).toMatchObject({ primary_key: ['id'] });
  });

  it('names a cursor column the stream does not have', async () => {
    const stream = {
      name: 'events',
      namespace: 'public',
      json_schema: {},
      supported_sync_modes: ['incremental' as const],
    };
    const catalog = configure(stream, { sync_mode: 'incremental', cursor_field: ['modified'] });
    const run = await runInProcess(source, 'read', { config: db.config, catalog });
    expect(run.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message: 'table "public.events": cursor field "modified" is not one of its columns',
    });
  });

  it('starts over when the state was taken with another cursor column', async () => {
    const config = { ...db.config, tables: ['events'] };
    const stream = await discoverStream(config, 'events', 'public');
    const catalog = configure(stream, { sync_mode: 'incremental', cursor_field: ['updated_at'] });
    const state: AirbyteStateMessage = {
      type: 'STREAM',
      stream: {
        stream_descriptor: { name: 'events', namespace: 'public' },
        stream_state: { cursor_field: 'id', cursor: '50' },
      },
    };
    const run = await read(config, catalog, state);
    expect(run.records).toHaveLength(RUNS.reduce((a, b) => a + b, 0) + 1);
    expect(run.logs.some((log) => log.message.includes('reading from the start'))).toBe(true);
  });
});

describe('states written by source-postgres 0.1', () => {
  it('resumes from the old `cursor` field as if it were `cursor_value`', async () => {
    const config = { ...db.config, checkpoint_interval: 4 };
    const stream = await discoverStream(config, 'events', 'public');
    const catalog = configure(stream, { sync_mode: 'incremental', cursor_field: ['updated_at'] });
    const full = await read(config, catalog);
    const current = full.states[2]!.stream!.stream_state as Record<string, unknown>;
    const { cursor_value, ...rest } = current;
    const old: AirbyteStateMessage = {
      type: 'STREAM',
      stream: {
        stream_descriptor: { name: 'events', namespace: 'public' },
        stream_state: { ...rest, cursor: cursor_value },
      },
    };
    const resumed = await read(config, catalog, old);
    expect(resumed.records.map((record) => record.data.id)).toEqual(full.records.slice(12).map((r) => r.data.id));
  });
});

it('refuses a configured catalog that selects no column, naming the stream (as every SQL source does)', async () => {
  const stream = await discoverStream(db.config, 'events', 'public');
  const catalog = configure({ ...stream, json_schema: { type: 'object', properties: {} } });
  const run = await runInProcess(source, 'read', { config: db.config, catalog });
  expect(run.exitCode).toBe(1);
  expect(run.errors[0]).toMatchObject({
    failure_type: 'config_error',
    message: expect.stringMatching(/^table "public.events": the configured catalog selects no column/),
  });
});
