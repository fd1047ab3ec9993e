import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AirbyteMessage, ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { runInProcess } from '@backflow/protocol/testing';
import { destination } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), '{{name}}-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const catalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: { name: 'people', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'] },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append',
      primary_key: [['id']],
    },
  ],
};
const record = (id: number, operation?: 'delete'): AirbyteMessage => ({
  type: 'RECORD',
  record: { stream: 'people', data: { id, name: `person ${id}` }, emitted_at: 0, ...(operation ? { operation } : {}) },
});
const state: AirbyteMessage = {
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name: 'people' }, stream_state: { done: true } } },
};

it('writes records and confirms the state after them', async () => {
  const path = join(dir, 'out.jsonl');
  const run = await runInProcess(destination, 'write', {
    config: { path },
    catalog,
    input: [record(1), record(2), state],
  });
  expect(run.exitCode).toBe(0);
  expect(run.states).toHaveLength(1);
  const lines = (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines).toEqual([
    { stream: 'people', id: 1, name: 'person 1' },
    { stream: 'people', id: 2, name: 'person 2' },
  ]);
});

it('rejects what it cannot do, with the record key and a reason', async () => {
  const run = await runInProcess(destination, 'write', {
    config: { path: join(dir, 'out.jsonl') },
    catalog,
    input: [record(1, 'delete'), state],
  });
  expect(run.states[0]!.destinationStats?.rejected_records).toEqual([
    { stream: 'people', key: { id: 1 }, reason: 'deletes are not supported', retryable: false },
  ]);
});

it('fails check with a reason and refuses a bad config naming the field', async () => {
  const check = await runInProcess(destination, 'check', { config: { path: 'out.csv' } });
  expect(check.connectionStatus).toEqual({ status: 'FAILED', message: 'path out.csv must end with .jsonl' });
  const invalid = await runInProcess(destination, 'check', { config: {} });
  expect(invalid.exitCode).toBe(1);
  expect(invalid.errors[0]!.message).toMatch(/path/);
});
