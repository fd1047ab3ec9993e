import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  byField,
  configuredCatalog,
  findStream,
  readFixture,
  readAndResumeFromEveryState,
  runInProcess,
} from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // 20 orders; updated_at repeats in runs of 2, so checkpoints fall inside runs of equal cursors.
  await db.sql(`
    CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, amount numeric(10,2), updated_at timestamptz);
    INSERT INTO orders SELECT i, 'c' || i || '@example.com', i * 10.5, timestamptz '2024-01-01' + (i / 3) * interval '1 hour'
      FROM generate_series(1, 20) i;
  `);
});
afterAll(() => db?.drop());

const config = () => ({ ...db.config, checkpoint_interval: 3 });

async function ordersCatalog(sync_mode: 'full_refresh' | 'incremental') {
  const discovered = await runInProcess(source, 'discover', { config: config() });
  const stream = findStream(discovered.catalog, 'orders', 'public');
  return configuredCatalog(stream, {
    sync_mode,
    ...(sync_mode === 'incremental' ? { cursor_field: ['updated_at'] } : {}),
  });
}

it('discovers tables with typed columns and primary keys', async () => {
  const run = await runInProcess(source, 'discover', { config: config() });
  expect(findStream(run.catalog, 'orders', 'public')).toMatchObject({
    source_defined_primary_key: [['id']],
    json_schema: {
      properties: { id: { type: 'integer' }, amount: { type: ['string', 'null'], airbyte_type: 'number' } },
    },
  });
});

it('reads the rows the fixture shows, exactly as the database prints them', async () => {
  const run = await runInProcess(source, 'read', { config: config(), catalog: await ordersCatalog('full_refresh') });
  expect(run.exitCode).toBe(0);
  const expected = await readFixture(fileURLToPath(new URL('./fixtures/expected-first-page.jsonl', import.meta.url)));
  const byId = (a: { data: Record<string, unknown> }, b: { data: Record<string, unknown> }) =>
    Number(a.data.id) - Number(b.data.id);
  const records = [...run.records].sort(byId).slice(0, 3);
  expect(records.map((r) => r.data)).toEqual(expected.map((m) => m.record!.data));
});

it('reads incrementally and resumes from every state without repeating or skipping a row', async () => {
  const catalog = await ordersCatalog('incremental');
  const { full, checkpoints, problems } = await readAndResumeFromEveryState(
    source,
    { config: config(), catalog },
    byField('id'),
  );
  expect(full.records).toHaveLength(20);
  expect(checkpoints.length).toBe(7);
  expect(problems).toEqual([]);
});

it('fails check with the reason, never printing the password', async () => {
  const run = await runInProcess(source, 'check', {
    config: { ...db.config, database: 'no_such_database', password: 'pw-never-shown' },
  });
  expect(run.connectionStatus?.status).toBe('FAILED');
  expect(run.connectionStatus?.message).toMatch(/no_such_database/);
  expect(JSON.stringify(run.messages)).not.toContain('pw-never-shown');
});
