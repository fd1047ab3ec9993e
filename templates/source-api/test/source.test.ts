import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  byField,
  configuredCatalog,
  findStream,
  readFixture,
  readAndResumeFromEveryState,
  runInProcess,
} from '@backflow/protocol/testing';
import { createSource, source } from '../src/index.js';
import { SAMPLE_ORDERS, startFakeApi, type FakeApi } from './fake-api.js';

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi();
});
afterEach(() => api.close());

const config = (pageSize = 2) => ({ api_key: api.apiKey, base_url: api.url, page_size: pageSize });

async function ordersCatalog(sync_mode: 'full_refresh' | 'incremental') {
  const discovered = await runInProcess(source, 'discover', { config: config() });
  return configuredCatalog(findStream(discovered.catalog, 'orders'), { sync_mode });
}

it('reads page by page with a state after each page, as the fixture shows', async () => {
  const run = await runInProcess(source, 'read', { config: config(), catalog: await ordersCatalog('incremental') });
  expect(run.exitCode).toBe(0);
  expect(run.records).toHaveLength(25);
  expect(run.states).toHaveLength(13);
  const expected = await readFixture(
    fileURLToPath(new URL('./fixtures/expected-first-records.jsonl', import.meta.url)),
  );
  const first = run.messages.filter((m) => m.record || m.state).slice(0, 3);
  expect(first.map((m) => m.record?.data ?? m.state?.stream?.stream_state)).toEqual(
    expected.map((m) => m.record?.data ?? m.state?.stream?.stream_state),
  );
});

it('resumes from every state without repeating or skipping an order, and reads only new ones next time', async () => {
  const catalog = await ordersCatalog('incremental');
  const { full, problems } = await readAndResumeFromEveryState(source, { config: config(), catalog }, byField('id'));
  expect(problems).toEqual([]);
  api.orders.push({ id: 26, customer: 'late@example.com', amount: 1, updated_at: SAMPLE_ORDERS.at(-1)!.updated_at });
  const next = await runInProcess(source, 'read', { config: config(), catalog, state: [full.states.at(-1)!] });
  expect(next.records.map((record) => record.data.id)).toEqual([26]);
});

it('waits as long as a 429 Retry-After says, on an injected clock', async () => {
  await api.close();
  let clock = 0;
  api = await startFakeApi({ requestsPerWindow: 2, windowMs: 3000, now: () => clock });
  const waits: number[] = [];
  const paced = createSource({
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
  });
  const run = await runInProcess(paced, 'read', { config: config(10), catalog: await ordersCatalog('full_refresh') });
  expect(run.records).toHaveLength(25);
  expect(waits).toEqual([3000]);
  expect(api.statuses.filter((status) => status === 429)).toHaveLength(1);
});

it('fails check on a refused key without printing it', async () => {
  const run = await runInProcess(source, 'check', { config: { ...config(), api_key: 'wrong-key-999' } });
  expect(run.connectionStatus?.status).toBe('FAILED');
  expect(run.connectionStatus?.message).toMatch(/API key was refused \(401\)/);
  expect(JSON.stringify(run.messages)).not.toContain('wrong-key-999');
});
