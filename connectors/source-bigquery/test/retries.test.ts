import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { runInProcess } from '@backflow/protocol/testing';
import {
  configFor,
  configure,
  findStream,
  lastJobIds,
  PROJECT,
  sourceFor,
  startBigQueryFake,
  type BigQueryFake,
} from './helpers.js';

describe('retries', () => {
  let fake: BigQueryFake;
  let catalog: ConfiguredAirbyteCatalog;
  const config = () => configFor(fake, { page_size: 100, tables: ['users'] });

  beforeAll(async () => {
    fake = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics'] });
    await fake.db.run(`CREATE TABLE analytics.users AS SELECT range AS id, 'user-' || range AS email FROM range(250)`);
    const discovered = await runInProcess(sourceFor(fake).source, 'discover', { config: config() });
    catalog = configure([findStream(discovered.catalog, 'users')]);
  });
  afterAll(() => fake.close());

  const statuses = (method: string, last: number) =>
    fake.requests
      .filter((request) => request.method === method)
      .slice(-last)
      .map((request) => request.status);

  it('waits as long as a 429 answer’s Retry-After says, then continues where it was', async () => {
    const { source, waits } = sourceFor(fake);
    fake.failNext({ method: 'jobs.getQueryResults', status: 429, retryAfterSeconds: 3 });
    const run = await runInProcess(source, 'read', { config: config(), catalog });
    expect(run.errors).toEqual([]);
    expect(run.records.map((record) => Number(record.data.id)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 250 }, (_, i) => i),
    );
    expect(waits).toEqual([3000]);
    expect(statuses('jobs.getQueryResults', 4)).toEqual([429, 200, 200, 200]);
  });

  it('backs off exponentially (with jitter) on 5xx without Retry-After', async () => {
    const { source, waits } = sourceFor(fake);
    fake.failNext({ method: 'tables.get', status: 503, times: 3 });
    const run = await runInProcess(source, 'read', { config: config(), catalog });
    expect(run.errors).toEqual([]);
    expect(waits).toHaveLength(3);
    waits.forEach((wait, i) => expect(wait).toBeLessThanOrEqual(1000 * 2 ** i));
  });

  it('fails with a transient error once the retries are used up, or when Retry-After is too long', async () => {
    const exhausted = sourceFor(fake);
    fake.failNext({ method: 'datasets.get', status: 500, times: 6 });
    const discover = await runInProcess(exhausted.source, 'discover', { config: config() });
    expect(exhausted.waits).toHaveLength(5);
    expect(discover.errors[0]).toMatchObject({ failure_type: 'transient_error' });
    expect(discover.errors[0]!.message).toBe(
      'dataset "analytics": An internal error occurred and the request could not be completed.',
    );

    const patient = sourceFor(fake);
    fake.failNext({ method: 'datasets.get', status: 429, retryAfterSeconds: 3600 });
    const limited = await runInProcess(patient.source, 'discover', { config: config() });
    expect(patient.waits).toEqual([]);
    expect(limited.errors[0]).toMatchObject({ failure_type: 'transient_error' });
    expect(limited.errors[0]!.message).toMatch(/BigQuery asked to wait 3600 s: Exceeded rate limits/);
  });

  it('picks up the job a lost jobs.insert answer created instead of running the query twice', async () => {
    const { source } = sourceFor(fake);
    fake.failNext({ method: 'jobs.insert', status: 503, afterEffect: true });
    const run = await runInProcess(source, 'read', { config: config(), catalog });
    expect(run.errors).toEqual([]);
    expect(run.records).toHaveLength(250);
    expect(statuses('jobs.insert', 2)).toEqual([503, 409]);
    const [first, second] = lastJobIds(fake, 2);
    expect(first).toBe(second);
  });

  it('fetches a new token when the API refuses the cached one (401)', async () => {
    const { source } = sourceFor(fake);
    fake.failNext({
      method: 'jobs.getQueryResults',
      status: 401,
      reason: 'authError',
      message: 'Request had invalid authentication credentials.',
    });
    const before = fake.calls.token ?? 0;
    const run = await runInProcess(source, 'read', { config: config(), catalog });
    expect(run.errors).toEqual([]);
    expect(run.records).toHaveLength(250);
    expect((fake.calls.token ?? 0) - before).toBe(2);
  });

  it('waits for a job that is still running', async () => {
    const slow = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics'], runningPolls: 2 });
    try {
      await slow.db.run(`CREATE TABLE analytics.users AS SELECT range AS id, 'user-' || range AS email FROM range(5)`);
      const run = await runInProcess(sourceFor(slow).source, 'read', {
        config: configFor(slow, { tables: ['users'] }),
        catalog,
      });
      expect(run.errors).toEqual([]);
      expect(run.records).toHaveLength(5);
      expect(slow.calls['jobs.getQueryResults']).toBe(3);
    } finally {
      await slow.close();
    }
  });
});
