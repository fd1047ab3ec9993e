import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { configure, findStream, tempDir } from './helpers.js';

const script = resolve(import.meta.dirname, '../../../examples/sample-warehouse/create.mjs');
const run = (...args: string[]) => promisify(execFile)('node', [script, ...args]);

const TABLES = ['companies', 'customers', 'orders', 'support_tickets'];
const VIEWS = [
  'crm_contacts',
  'account_metrics',
  'high_value_segment',
  'churn_risk_alerts',
  'urgent_tickets',
  'orders_export',
];

/** A hash of every row of every table and view, to compare two generated files. */
async function fingerprint(file: string): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const result: Record<string, string> = {};
    for (const name of [...TABLES, ...VIEWS]) {
      const reader = await connection.runAndReadAll(
        `SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM ${name} t`,
      );
      result[name] = String(reader.getRowsJS()[0]![0]);
    }
    return result;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('examples/sample-warehouse/create.mjs', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let path: string;
  beforeAll(async () => {
    dir = await tempDir();
    path = join(dir.dir, 'warehouse.duckdb');
    await run('--path', path);
  });
  afterAll(() => dir.cleanup());

  async function readAll(config: object) {
    const discovered = await runInProcess(source, 'discover', { config });
    expect(discovered.errors).toEqual([]);
    const read = await runInProcess(source, 'read', { config, catalog: configure(discovered.catalog!.streams) });
    expect(read.errors).toEqual([]);
    return { discovered, read };
  }

  it('creates the tables and one view per use case, each with rows, readable by source-duckdb', async () => {
    const { discovered, read } = await readAll({ path });
    expect(discovered.catalog!.streams.map((s) => s.name).sort()).toEqual([...TABLES, ...VIEWS].sort());
    expect(findStream(discovered.catalog, 'customers').source_defined_primary_key).toEqual([['id']]);
    const counts = Object.fromEntries(
      [...TABLES, ...VIEWS].map((name) => [name, read.records.filter((r) => r.stream === name).length]),
    );
    expect(counts).toMatchObject({
      companies: 120,
      customers: 1500,
      orders: 4000,
      support_tickets: 600,
      crm_contacts: 1500,
      orders_export: 4000,
    });
    for (const name of VIEWS) expect(counts[name], name).toBeGreaterThan(0);
    const contact = read.records.find((r) => r.stream === 'crm_contacts')!.data;
    expect(contact.email).toMatch(/^[a-z]+\.[a-z]+\.\d+@[a-z.-]+$/);
    expect(contact.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const metrics = read.records.find((r) => r.stream === 'account_metrics')!.data;
    expect(metrics.lifetime_value).toMatch(/^\d+\.\d\d$/);
  });

  it('is deterministic: another run recreates the same rows', async () => {
    const again = join(dir.dir, 'again.duckdb');
    await run('--path', again);
    await run('--path', again);
    expect(await fingerprint(again)).toEqual(await fingerprint(path));
  });

  it('--mutate changes 1% of customers, deletes 5 and adds 5: an incremental read sends only those', async () => {
    const mutated = join(dir.dir, 'mutated.duckdb');
    await run('--path', mutated);
    const config = { path: mutated, tables: ['customers'] };
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure(discovered.catalog!.streams, { incremental: true, cursor: 'updated_at' });
    const before = await runInProcess(source, 'read', { config, catalog });
    expect(before.records).toHaveLength(1500);
    await run('--path', mutated, '--mutate');
    await run('--path', mutated, '--mutate');
    const after = await runInProcess(source, 'read', { config, catalog, state: before.states.slice(-1) });
    expect(after.records).toHaveLength(20);
    expect(after.records.filter((r) => Number(r.data.id) > 100_000)).toHaveLength(5);
    expect(new Set(after.records.map((r) => r.data.updated_at))).toEqual(new Set(['2025-07-01T09:30:00Z']));
    const full = await runInProcess(source, 'read', { config, catalog: configure(discovered.catalog!.streams) });
    const ids = new Set(full.records.map((r) => r.data.id));
    expect(ids.size).toBe(1500);
    const removed = before.records.filter((r) => !ids.has(r.data.id));
    expect(removed).toHaveLength(5);
  });
});
