import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { recordMessage, runInProcess, stateMessage } from '@backflow/protocol/testing';
import { createDestination, destination } from '../src/index.js';
import { startFakeApi, type FakeApi } from './fake-api.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi();
});
afterEach(() => api.close());

const config = () => ({ api_key: api.apiKey, base_url: api.url });
const catalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: { name: 'people', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'] },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append_dedup',
      primary_key: [['email']],
    },
  ],
};

it('upserts the fixture, rejects the bad record alone and confirms each state after its records', async () => {
  const run = await runInProcess(destination, 'write', { config: config(), catalog, input: fixture('people.jsonl') });
  expect(run.exitCode).toBe(0);
  expect(run.states.map((state) => state.stream?.stream_state)).toEqual([{ cursor: 1 }, { cursor: 2 }]);
  expect(run.states[0]!.destinationStats?.rejected_records).toEqual([
    {
      stream: 'people',
      key: { email: 'not-an-address' },
      reason: 'email "not-an-address" is not an e-mail address',
      retryable: false,
      field: 'email',
    },
  ]);
  expect(Object.fromEntries(api.records)).toEqual({
    'ada@example.com': { email: 'ada@example.com', name: 'Ada Lovelace', score: 10 },
    'grace@example.com': { email: 'grace@example.com', name: 'Grace', score: 8 },
  });
});

it('sends at most 100 records per request (the API refuses more)', async () => {
  const input = Array.from({ length: 250 }, (_, i) => recordMessage('people', { email: `p${i}@example.com` }));
  const run = await runInProcess(destination, 'write', {
    config: config(),
    catalog,
    input: [...input, stateMessage({ name: 'people' }, { done: true })],
  });
  expect(run.exitCode).toBe(0);
  expect(api.records.size).toBe(250);
  expect(api.statuses).toEqual([200, 200, 200]);
});

it('waits as long as a 429 Retry-After says, on an injected clock, then goes on', async () => {
  await api.close();
  let clock = 0;
  api = await startFakeApi({ requestsPerWindow: 1, windowMs: 2000, now: () => clock });
  const waits: number[] = [];
  const paced = createDestination({
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
  });
  const input = Array.from({ length: 150 }, (_, i) => recordMessage('people', { email: `p${i}@example.com` }));
  const run = await runInProcess(paced, 'write', {
    config: config(),
    catalog,
    input: [...input, stateMessage({ name: 'people' }, { done: true })],
  });
  expect(run.exitCode).toBe(0);
  expect(api.statuses).toEqual([200, 429, 200]);
  expect(waits).toEqual([2000]);
  expect(api.records.size).toBe(150);
});

it('discovers the target fields, and fails check with a refused key without printing it', async () => {
  const discovered = await runInProcess(destination, 'discover', { config: config() });
  expect(discovered.destinationCatalog?.operations[0]).toMatchObject({
    object_name: 'records',
    matching_keys: [['email']],
    json_schema: { required: ['email'], properties: { score: { type: ['number', 'null'] } } },
  });
  const check = await runInProcess(destination, 'check', { config: { ...config(), api_key: 'wrong-key-999' } });
  expect(check.connectionStatus?.status).toBe('FAILED');
  expect(check.connectionStatus?.message).toMatch(/API key was refused \(401\)/);
  expect(JSON.stringify(check.messages)).not.toContain('wrong-key-999');
});
