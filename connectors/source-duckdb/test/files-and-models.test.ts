import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { configure, findStream, runSql, tempDir } from './helpers.js';

describe('CSV, Parquet and JSON files and SQL models as streams', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let paths: { csv: string; parquet: string; json: string; db: string };
  beforeAll(async () => {
    dir = await tempDir();
    paths = {
      csv: join(dir.dir, 'leads.csv'),
      parquet: join(dir.dir, 'orders.parquet'),
      json: join(dir.dir, 'events.ndjson'),
      db: join(dir.dir, 'warehouse.duckdb'),
    };
    await writeFile(
      paths.csv,
      'id,email,score,signed_up_at\n1,ada@example.com,9.5,2024-03-01 10:00:00\n2,alan@example.com,,2024-03-02 11:30:00\n3,grace@example.com,7.25,2024-03-02 11:30:00\n',
    );
    await writeFile(
      paths.json,
      '{"lead_id":1,"kind":"visit","props":{"page":"/pricing"}}\n{"lead_id":3,"kind":"signup","props":{"page":"/"}}\n',
    );
    await runSql(
      paths.db,
      `CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
       INSERT INTO accounts VALUES (10, 'Acme'), (20, 'Globex');
       COPY (SELECT * FROM (VALUES (100, 1, 19.99::DECIMAL(10,2), TIMESTAMPTZ '2024-03-03 09:00:00+00'),
                                   (101, 1, 5.00::DECIMAL(10,2), TIMESTAMPTZ '2024-03-04 09:00:00+00'),
                                   (102, 3, 250.00::DECIMAL(10,2), TIMESTAMPTZ '2024-03-05 09:00:00+00'))
             t(order_id, lead_id, amount, ordered_at))
         TO '${paths.parquet}' (FORMAT parquet);`,
    );
  });
  afterAll(() => dir.cleanup());

  const filesConfig = () => ({
    files: [
      { name: 'leads', path: paths.csv, primary_key: ['id'], cursor_field: 'signed_up_at' },
      { name: 'orders', path: paths.parquet },
      { name: 'events', path: paths.json, format: 'json' },
    ],
    models: [
      {
        name: 'lead_revenue',
        sql: 'SELECT l.email, sum(o.amount) AS revenue, count(*) AS orders FROM leads l JOIN orders o ON o.lead_id = l.id GROUP BY ALL ORDER BY 1;',
        primary_key: ['email'],
      },
    ],
  });

  it('discovers files by name, typed through DuckDB, with their declared keys', async () => {
    const run = await runInProcess(source, 'discover', { config: filesConfig() });
    expect(run.errors).toEqual([]);
    expect(run.catalog?.streams.map((s) => [s.name, s.namespace])).toEqual([
      ['leads', undefined],
      ['orders', undefined],
      ['events', undefined],
      ['lead_revenue', undefined],
    ]);
    const leads = findStream(run.catalog, 'leads');
    expect(leads.json_schema.properties).toEqual({
      id: { type: ['null', 'string'], airbyte_type: 'integer' },
      email: { type: ['null', 'string'] },
      score: { type: ['null', 'number'] },
      signed_up_at: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_without_timezone' },
    });
    expect(leads.source_defined_primary_key).toEqual([['id']]);
    expect(leads.default_cursor_field).toEqual(['signed_up_at']);
    expect(findStream(run.catalog, 'orders').json_schema.properties).toMatchObject({
      amount: { type: ['null', 'string'], airbyte_type: 'number' },
      ordered_at: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
    });
    expect(findStream(run.catalog, 'lead_revenue').json_schema.properties).toEqual({
      email: { type: ['null', 'string'] },
      revenue: { type: ['null', 'string'], airbyte_type: 'number' },
      orders: { type: ['null', 'string'], airbyte_type: 'integer' },
    });
  });

  it('reads CSV, Parquet and JSON rows and a model joining two files', async () => {
    const config = filesConfig();
    const discovered = await runInProcess(source, 'discover', { config });
    const run = await runInProcess(source, 'read', { config, catalog: configure(discovered.catalog!.streams) });
    expect(run.errors).toEqual([]);
    const byStream = (name: string) => run.records.filter((r) => r.stream === name).map((r) => r.data);
    expect(byStream('leads')).toEqual([
      { id: '1', email: 'ada@example.com', score: 9.5, signed_up_at: '2024-03-01T10:00:00' },
      { id: '2', email: 'alan@example.com', score: null, signed_up_at: '2024-03-02T11:30:00' },
      { id: '3', email: 'grace@example.com', score: 7.25, signed_up_at: '2024-03-02T11:30:00' },
    ]);
    expect(byStream('orders')).toEqual([
      { order_id: 100, lead_id: 1, amount: '19.99', ordered_at: '2024-03-03T09:00:00Z' },
      { order_id: 101, lead_id: 1, amount: '5.00', ordered_at: '2024-03-04T09:00:00Z' },
      { order_id: 102, lead_id: 3, amount: '250.00', ordered_at: '2024-03-05T09:00:00Z' },
    ]);
    expect(byStream('events')).toEqual([
      { lead_id: '1', kind: 'visit', props: { page: '/pricing' } },
      { lead_id: '3', kind: 'signup', props: { page: '/' } },
    ]);
    expect(byStream('lead_revenue')).toEqual([
      { email: 'ada@example.com', revenue: '24.99', orders: '2' },
      { email: 'grace@example.com', revenue: '250.00', orders: '1' },
    ]);
    expect(run.states).toEqual([]);
  });

  it('reads a CSV file incrementally by its declared cursor, resuming between equal cursor values', async () => {
    const config = { ...filesConfig(), checkpoint_interval: 2 };
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'leads')], { incremental: true });
    const run = await runInProcess(source, 'read', { config, catalog });
    expect(run.records.map((r) => r.data.id)).toEqual(['1', '2', '3']);
    expect(run.states[0]!.stream!.stream_state).toEqual({
      cursor_field: 'signed_up_at',
      cursor_value: '2024-03-02T11:30:00',
      primary_key: ['id'],
      primary_key_values: ['2'],
    });
    const resumed = await runInProcess(source, 'read', { config, catalog, state: run.states.slice(0, 1) });
    expect(resumed.records.map((r) => r.data.id)).toEqual(['3']);
  });

  it('mixes tables of a database file with models over them and files, and never writes the file', async () => {
    const before = createHash('sha256')
      .update(await readFile(paths.db))
      .digest('hex');
    const config = {
      path: paths.db,
      files: [{ name: 'leads', path: paths.csv }],
      models: [{ name: 'account_names', sql: 'SELECT id, upper(name) AS name FROM accounts', primary_key: ['id'] }],
    };
    const discovered = await runInProcess(source, 'discover', { config });
    expect(discovered.catalog?.streams.map((s) => (s.namespace ? `${s.namespace}.${s.name}` : s.name))).toEqual([
      'main.accounts',
      'leads',
      'account_names',
    ]);
    const run = await runInProcess(source, 'read', { config, catalog: configure(discovered.catalog!.streams) });
    expect(run.records.filter((r) => r.stream === 'account_names').map((r) => r.data)).toEqual([
      { id: 10, name: 'ACME' },
      { id: 20, name: 'GLOBEX' },
    ]);
    expect(run.records.filter((r) => r.stream === 'accounts' && r.namespace === 'main')).toHaveLength(2);
    expect(
      createHash('sha256')
        .update(await readFile(paths.db))
        .digest('hex'),
    ).toBe(before);
  });
});
