import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecDefaults } from '@backflow/protocol';
import { runInProcess } from '@backflow/protocol/testing';
import type { SourceConfig } from '../src/index.js';
import {
  configFor,
  configure,
  findStream,
  lastJobQuery,
  PROJECT,
  sourceFor,
  startBigQueryFake,
  type BigQueryFake,
} from './helpers.js';

describe('full refresh reads and models', () => {
  let fake: BigQueryFake;
  beforeAll(async () => {
    fake = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics', 'other'] });
    await fake.db.run(`
      CREATE TABLE analytics.users AS
        SELECT range AS id, 'user-' || range AS email, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(range) AS updated_at
        FROM range(2500);
      CREATE TABLE analytics.orders AS SELECT range AS order_id, range % 100 AS user_id, (range % 7) * 1.25 AS amount FROM range(1000);
      CREATE VIEW analytics.recent_users AS SELECT id, email FROM analytics.users WHERE id >= 2490;
      CREATE TABLE other.hidden (x INTEGER);
    `);
  });
  afterAll(() => fake.close());

  const delta = (before: Record<string, number>) => (method: string) =>
    (fake.calls[method] ?? 0) - (before[method] ?? 0);

  it('reads 2,500 rows with page_size 1000 in one job and 3 getQueryResults pages', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake, { page_size: 1000 });
    const discovered = await runInProcess(source, 'discover', { config });
    const before = { ...fake.calls };
    const run = await runInProcess(source, 'read', {
      config,
      catalog: configure([findStream(discovered.catalog, 'users')]),
    });
    expect(run.errors).toEqual([]);
    expect(run.records).toHaveLength(2500);
    expect(new Set(run.records.map((record) => record.data.id)).size).toBe(2500);
    expect(run.records[0]).toMatchObject({ stream: 'users', namespace: 'analytics' });
    const calls = delta(before);
    expect(calls('jobs.insert')).toBe(1);
    expect(calls('jobs.getQueryResults')).toBe(3);
    const pages = fake.requests.filter((request) => request.method === 'jobs.getQueryResults').slice(-3);
    expect(pages.map((page) => page.query.maxResults)).toEqual(['1000', '1000', '1000']);
    expect(pages[0]!.query.pageToken).toBeUndefined();
    expect(pages[1]!.query.pageToken).toEqual(expect.any(String));
    expect(pages.map((page) => (page.response as { rows?: unknown[] }).rows?.length)).toEqual([1000, 1000, 500]);
    // Full refresh emits no state.
    expect(run.states).toEqual([]);
  });

  it('fetches the next page only when the rows of the previous one are taken', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake, { page_size: 1000, tables: ['users'] });
    const discovered = await runInProcess(source, 'discover', { config });
    const [stream] = configure([findStream(discovered.catalog, 'users')]).streams;
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const before = { ...fake.calls };
    // Called directly, as the SDK would after validating the config and filling in its defaults.
    const valid = applySpecDefaults<SourceConfig>(source.spec.connectionSpecification, config);
    const rows = source.read(
      { config: valid, logger, signal: new AbortController().signal },
      { stream: stream!, state: undefined },
    );
    const iterator = rows[Symbol.asyncIterator]();
    for (let i = 0; i < 1000; i++) await iterator.next();
    expect(delta(before)('jobs.getQueryResults')).toBe(1);
    await iterator.next();
    expect(delta(before)('jobs.getQueryResults')).toBe(2);
    await iterator.return?.();
  });

  it('selects only the columns the configured catalog keeps, from tables and views', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake);
    const discovered = await runInProcess(source, 'discover', { config });
    const view = findStream(discovered.catalog, 'recent_users');
    const narrowed = {
      ...view,
      json_schema: {
        ...view.json_schema,
        properties: { email: (view.json_schema.properties as Record<string, unknown>).email },
      },
    };
    const run = await runInProcess(source, 'read', { config, catalog: configure([narrowed]) });
    expect(run.errors).toEqual([]);
    expect(
      run.records.map((record) => record.data).sort((a, b) => String(a.email).localeCompare(String(b.email))),
    ).toEqual(Array.from({ length: 10 }, (_, i) => ({ email: `user-${2490 + i}` })));
    const sql = lastJobQuery(fake).query;
    expect(sql).toBe(`SELECT \`email\` FROM \`${PROJECT}.analytics.recent_users\` AS src`);
  });

  it('discovers tables and views of the dataset only, or just the listed ones', async () => {
    const { source } = sourceFor(fake);
    const all = await runInProcess(source, 'discover', { config: configFor(fake) });
    expect(all.catalog?.streams.map((stream) => `${stream.namespace}.${stream.name}`)).toEqual([
      'analytics.orders',
      'analytics.recent_users',
      'analytics.users',
    ]);
    const listed = await runInProcess(source, 'discover', { config: configFor(fake, { tables: ['users'] }) });
    expect(listed.catalog?.streams.map((stream) => stream.name)).toEqual(['users']);
    const modelsOnly = await runInProcess(source, 'discover', { config: configFor(fake, { tables: [] }) });
    expect(modelsOnly.catalog?.streams).toEqual([]);
  });

  it('discovers a model by a dry run (no job kept, nothing read) and reads it with its declared keys', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake, {
      tables: [],
      models: [
        {
          name: 'user_revenue',
          // Unqualified names resolve in dataset_id; a trailing semicolon and comment are fine.
          sql: 'SELECT u.id, u.email, sum(o.amount) AS revenue, count(*) AS orders\nFROM users u JOIN orders o ON o.user_id = u.id\nGROUP BY u.id, u.email; # per user\n',
          primary_key: ['id'],
          cursor_field: 'id',
        },
      ],
    });
    const before = { ...fake.calls };
    const discovered = await runInProcess(source, 'discover', { config });
    expect(discovered.errors).toEqual([]);
    expect(delta(before)('jobs.getQueryResults')).toBe(0);
    expect(lastJobQuery(fake).dryRun).toBe(true);
    const stream = findStream(discovered.catalog, 'user_revenue');
    expect(stream).toMatchObject({
      source_defined_primary_key: [['id']],
      default_cursor_field: ['id'],
      source_defined_cursor: true,
    });
    expect(stream.namespace).toBeUndefined();
    expect(stream.json_schema.properties).toEqual({
      id: { type: ['null', 'string'], airbyte_type: 'integer' },
      email: { type: ['null', 'string'] },
      revenue: { type: ['null', 'string'], airbyte_type: 'number' },
      orders: { type: ['null', 'string'], airbyte_type: 'integer' },
    });
    const run = await runInProcess(source, 'read', { config, catalog: configure([stream]) });
    expect(run.errors).toEqual([]);
    expect(run.records).toHaveLength(100);
    const user7 = run.records.find((record) => record.data.id === '7')!;
    expect(user7).toMatchObject({ stream: 'user_revenue', data: { email: 'user-7', orders: '10', revenue: '33.75' } });
    expect(user7.namespace).toBeUndefined();
  });

  it('fails a read of a model whose SQL no longer binds with BigQuery’s message', async () => {
    const { source } = sourceFor(fake);
    const good = configFor(fake, { tables: [], models: [{ name: 'm', sql: 'SELECT id FROM users' }] });
    const discovered = await runInProcess(source, 'discover', { config: good });
    const bad = configFor(fake, { tables: [], models: [{ name: 'm', sql: 'SELECT id, nope FROM users' }] });
    const run = await runInProcess(source, 'read', {
      config: bad,
      catalog: configure([findStream(discovered.catalog, 'm')]),
    });
    expect(run.errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(run.errors[0]!.message).toBe('model "m": Unrecognized name: nope');
  });

  it('refuses a model with duplicate column names or a declared column it does not return', async () => {
    const { source } = sourceFor(fake);
    const duplicate = await runInProcess(source, 'discover', {
      config: configFor(fake, { tables: [], models: [{ name: 'dup', sql: 'SELECT id, email AS id FROM users' }] }),
    });
    expect(duplicate.errors[0]?.message).toBe('model "dup" returns two columns named "id"; give them distinct aliases');
    const undeclared = await runInProcess(source, 'discover', {
      config: configFor(fake, {
        tables: [],
        models: [{ name: 'm', sql: 'SELECT id FROM users', cursor_field: 'updated_at' }],
      }),
    });
    expect(undeclared.errors[0]?.message).toBe(
      'model "m" declares column "updated_at" (primary_key/cursor_field) but its query returns only "id"',
    );
  });

  it('names a stream that is no longer in the source', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake);
    const discovered = await runInProcess(source, 'discover', { config });
    const users = findStream(discovered.catalog, 'users');
    const run = await runInProcess(source, 'read', { config, catalog: configure([{ ...users, name: 'gone' }]) });
    expect(run.errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(run.errors[0]!.message).toMatch(/table "analytics.gone": Not found: Table/);
  });
});
