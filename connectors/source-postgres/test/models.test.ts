import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredCatalog as configure, findStream, runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

let db: TestDatabase;

const ACTIVE_USERS = `
  select u.id, u.email, u.created_at, count(o.id) as orders, sum(o.total) as revenue
  from users u
  left join orders o on o.user_id = u.id
  group by u.id
  order by u.id;
`;

beforeAll(async () => {
  db = await createTestDatabase('sp_models');
  await db.sql(`
    CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL);
    CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint REFERENCES users, total numeric(12,2) NOT NULL);
    INSERT INTO users VALUES (1, 'ada@example.com', '2024-01-01 10:00+00'), (2, 'bob@example.com', '2024-02-01 10:00+00');
    INSERT INTO orders (user_id, total) VALUES (1, 10.50), (1, 2.25);
  `);
});

afterAll(async () => {
  await db?.drop();
});

const withModel = (sql: string, extra: Record<string, unknown> = {}) => ({
  ...db.config,
  tables: [],
  models: [{ name: 'active_users', sql, ...extra }],
});

describe('SQL models', () => {
  it('discovers a join model from the planned query: all columns nullable, key from the config', async () => {
    const run = await runInProcess(source, 'discover', { config: withModel(ACTIVE_USERS, { primary_key: ['id'] }) });
    expect(run.errors).toEqual([]);
    expect(run.catalog?.streams).toHaveLength(1);
    const stream = findStream(run.catalog, 'active_users');
    expect(stream.namespace).toBeUndefined();
    expect(stream.source_defined_primary_key).toEqual([['id']]);
    expect(stream.json_schema).toMatchObject({
      properties: {
        id: { type: ['null', 'string'], airbyte_type: 'integer' },
        email: { type: ['null', 'string'] },
        created_at: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
        orders: { type: ['null', 'string'], airbyte_type: 'integer' },
        revenue: { type: ['null', 'string'], airbyte_type: 'number' },
      },
    });
  });

  it('reads the join', async () => {
    const config = withModel(ACTIVE_USERS);
    const discovered = await runInProcess(source, 'discover', { config });
    const run = await runInProcess(source, 'read', {
      config,
      catalog: configure(findStream(discovered.catalog, 'active_users')),
    });
    expect(run.errors).toEqual([]);
    expect(run.records.map((record) => record.data)).toEqual([
      { id: '1', email: 'ada@example.com', created_at: '2024-01-01T10:00:00Z', orders: '2', revenue: '12.75' },
      { id: '2', email: 'bob@example.com', created_at: '2024-02-01T10:00:00Z', orders: '0', revenue: null },
    ]);
  });

  it('describes a model without running it', async () => {
    const slow = 'select id, pg_sleep(30) as nap from users';
    const started = Date.now();
    const run = await runInProcess(source, 'discover', { config: withModel(slow) });
    expect(run.errors).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects bad SQL with Postgres message and the position in the model', async () => {
    const run = await runInProcess(source, 'check', { config: withModel('select id,\n  emial from users') });
    expect(run.connectionStatus).toEqual({
      status: 'FAILED',
      message:
        'model "active_users": column "emial" does not exist at line 2, column 3 of the model\'s SQL: emial from users (Perhaps you meant to reference the column "users.email".)',
    });
  });

  it('rejects a syntax error, naming the spot', async () => {
    const run = await runInProcess(source, 'discover', { config: withModel('select id frm users') });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message:
        'model "active_users": syntax error at or near "users" at line 1, column 15 of the model\'s SQL: select id frm users',
    });
  });

  it('rejects duplicate column names and undeclared key columns', async () => {
    const duplicate = await runInProcess(source, 'check', {
      config: withModel('select u.id, o.id from users u join orders o on true'),
    });
    expect(duplicate.connectionStatus?.message).toBe(
      'model "active_users" returns two columns named "id"; give them distinct aliases',
    );
    const missing = await runInProcess(source, 'check', {
      config: withModel('select id from users', { cursor_field: 'updated_at' }),
    });
    expect(missing.connectionStatus?.message).toContain('declares column "updated_at"');
  });

  it('refuses to write: models run read-only', async () => {
    const config = withModel("select id, nextval('orders_id_seq') as next from users");
    const discovered = await runInProcess(source, 'discover', { config });
    const run = await runInProcess(source, 'read', {
      config,
      catalog: configure(findStream(discovered.catalog, 'active_users')),
    });
    expect(run.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message: 'model "active_users": cannot execute nextval() in a read-only transaction',
    });
    expect((await db.sql('select last_value::int as n from orders_id_seq')).rows[0].n).toBe(2);
  });
});
