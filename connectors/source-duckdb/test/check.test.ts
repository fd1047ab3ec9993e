import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { runSql, tempDir } from './helpers.js';

describe('check names what is wrong', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let db: string;
  beforeAll(async () => {
    dir = await tempDir();
    db = join(dir.dir, 'ok.duckdb');
    await runSql(
      db,
      'CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR); CREATE VIEW emails AS SELECT email FROM customers;',
    );
  });
  afterAll(() => dir.cleanup());

  async function check(config: object) {
    const run = await runInProcess(source, 'check', { config });
    expect(run.exitCode).toBe(0);
    return run.connectionStatus!;
  }

  it('succeeds and lists the streams', async () => {
    const status = await check({ path: db, models: [{ name: 'm', sql: 'SELECT id FROM customers' }] });
    expect(status).toEqual({ status: 'SUCCEEDED', message: '3 streams: main.customers, main.emails, m' });
  });

  it('fails for a missing database file', async () => {
    const missing = join(dir.dir, 'nope.duckdb');
    expect(await check({ path: missing })).toEqual({
      status: 'FAILED',
      message: `database file not found: ${missing}`,
    });
  });

  it("fails for a file that is not a DuckDB database, with DuckDB's message", async () => {
    const bogus = join(dir.dir, 'bogus.duckdb');
    await writeFile(bogus, 'id,email\n1,a@example.com\n'.repeat(500));
    const status = await check({ path: bogus });
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(
      new RegExp(`^${bogus} is not a DuckDB database file: IO Error: .*not a valid DuckDB database file`),
    );
  });

  it('fails for a missing CSV or Parquet file', async () => {
    const csv = join(dir.dir, 'leads.csv');
    const status = await check({ files: [{ name: 'leads', path: csv }] });
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(
      new RegExp(`^file stream "leads": file not found: ${csv} \\(IO Error: No files found`),
    );
    const parquet = await check({ files: [{ name: 'orders', path: join(dir.dir, 'orders-*.parquet') }] });
    expect(parquet.message).toMatch(/^file stream "orders": file not found: .*orders-\*\.parquet/);
  });

  it("fails for bad SQL in a model with DuckDB's own message", async () => {
    const status = await check({ path: db, models: [{ name: 'contacts', sql: 'SELEC id FROM customers' }] });
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(
      /^model "contacts": Parser Error: syntax error at or near "SELEC"\s+LINE 1: SELEC id FROM customers/,
    );
  });

  it('fails for a model that is not one SELECT statement', async () => {
    const two = await check({ path: db, models: [{ name: 'm', sql: 'SELECT 1; SELECT 2' }] });
    expect(two.status).toBe('FAILED');
    expect(two.message).toMatch(/^model "m": /);
    const write = await check({ path: db, models: [{ name: 'm', sql: 'CREATE TEMP TABLE x AS SELECT 1' }] });
    expect(write).toEqual({ status: 'FAILED', message: 'model "m": the query must be a single SELECT statement' });
  });

  it('fails for a missing table, listed in `tables` or used by a model', async () => {
    const listed = await check({ path: db, tables: ['customers', 'contacts'] });
    expect(listed).toEqual({ status: 'FAILED', message: `table "contacts" not found in schema "main" of ${db}` });
    const used = await check({ path: db, models: [{ name: 'm', sql: 'SELECT * FROM contacts' }] });
    expect(used.message).toMatch(/^model "m": Catalog Error: Table with name contacts does not exist/);
  });

  it('fails for a model returning two columns of the same name', async () => {
    const status = await check({
      path: db,
      models: [{ name: 'm', sql: 'SELECT c.id, e.email AS id FROM customers c, emails e' }],
    });
    expect(status).toEqual({ status: 'FAILED', message: 'model "m": two columns are named "id"; give one an alias' });
  });

  it('fails for a schema the database does not have', async () => {
    expect(await check({ path: db, schemas: ['main', 'marts'] })).toEqual({
      status: 'FAILED',
      message: `schema "marts" not found in ${db} (it has main)`,
    });
  });

  it('fails for a model key column that its query does not return', async () => {
    const status = await check({
      path: db,
      models: [{ name: 'm', sql: 'SELECT email FROM customers', primary_key: ['id'] }],
    });
    expect(status).toEqual({
      status: 'FAILED',
      message: 'model "m": declared key column "id" is not in its columns (email)',
    });
  });

  it('fails when there is nothing to read', async () => {
    expect(await check({})).toEqual({
      status: 'FAILED',
      message: 'nothing to read: give a database `path`, `files` or `models`',
    });
  });
});
