import { runInProcess } from '@backflow/protocol/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destination } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('dest_pg_check');
  await db.client.query(`
    CREATE SCHEMA crm;
    CREATE TABLE crm.accounts (id bigint PRIMARY KEY, name text NOT NULL, score integer, tags text[], meta jsonb, seen timestamptz);
    CREATE TABLE crm.events (at timestamp, payload bytea);`);
});
afterAll(async () => {
  await db?.drop();
});

describe('check', () => {
  it('succeeds against a reachable database', async () => {
    const run = await runInProcess(destination, 'check', { config: { ...db.config, schema: 'crm' } });
    expect(run.connectionStatus).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('fails naming the server and Postgres message for a missing database', async () => {
    const run = await runInProcess(destination, 'check', { config: { ...db.config, database: `${db.name}_missing` } });
    expect(run.connectionStatus?.status).toBe('FAILED');
    expect(run.connectionStatus?.message).toContain(`Postgres at 127.0.0.1:5432/${db.name}_missing`);
    expect(run.connectionStatus?.message).toContain('does not exist');
  });

  it('asks for url or host fields', async () => {
    const run = await runInProcess(destination, 'check', { config: { schema: 'crm' } });
    expect(run.connectionStatus?.message).toMatch(/either "url" or all of "host", "database" and "username"/);
  });
});

describe('discover', () => {
  it('lists the schema tables with their columns as JSON Schema and keyed modes where a unique index exists', async () => {
    const run = await runInProcess(destination, 'discover', { config: { ...db.config, schema: 'crm' } });
    const operations = run.destinationCatalog!.operations;
    expect(operations.filter((op) => op.object_name === 'accounts').map((op) => op.sync_mode)).toEqual([
      'append',
      'append_dedup',
      'overwrite',
      'update',
    ]);
    expect(operations.filter((op) => op.object_name === 'events').map((op) => op.sync_mode)).toEqual([
      'append',
      'update',
    ]);
    const accounts = operations.find((op) => op.object_name === 'accounts')!;
    expect(accounts.matching_keys).toEqual([['id']]);
    expect(accounts.json_schema).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string', airbyte_type: 'integer' },
        name: { type: 'string' },
        score: { type: ['null', 'integer'] },
        tags: { type: ['null', 'array'], items: { type: ['null', 'string'] } },
        meta: { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] },
        seen: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
      },
    });
  });
});
