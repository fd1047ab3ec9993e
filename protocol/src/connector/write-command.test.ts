import { describe, expect, it } from 'vitest';
import { runInProcess } from '../testing/harness.js';
import type { AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../types.js';
import { defineDestination } from './definitions.js';

const destination = defineDestination({
  spec: { connectionSpecification: { type: 'object' }, limits: { max_batch_size: 2 } },
  async check() {
    return { ok: true };
  },
  async open() {
    return {
      async write({ records }) {
        return {
          rejected: records.flatMap((r, index) => (r.data['bad'] ? [{ index, reason: 'bad', retryable: false }] : [])),
        };
      },
    };
  },
});

const configured = (name: string) => ({
  stream: { name, json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh' as const] },
  sync_mode: 'full_refresh' as const,
  destination_sync_mode: 'append' as const,
});
const catalog: ConfiguredAirbyteCatalog = { streams: [configured('a'), configured('c')] };

const record = (stream: string, id: number, extra: object = {}): AirbyteMessage => ({
  type: 'RECORD',
  record: { stream, data: { id, ...extra }, emitted_at: 1 },
});
const streamState = (stream: string, recordCount: number): AirbyteMessage => ({
  type: 'STATE',
  state: {
    type: 'STREAM',
    stream: { stream_descriptor: { name: stream }, stream_state: { stream } },
    sourceStats: { recordCount },
  },
});
const globalState = (recordCount: number): AirbyteMessage => ({
  type: 'STATE',
  state: {
    type: 'GLOBAL',
    global: { shared_state: { at: recordCount }, stream_states: [] },
    sourceStats: { recordCount },
  },
});
const counts = (states: AirbyteStateMessage[]) =>
  states.map((s) => [s.sourceStats?.recordCount, s.destinationStats?.recordCount]);

describe('destinationStats.recordCount on echoed states', () => {
  it("counts a STREAM state's own stream only, matching the source's count", async () => {
    const input = [
      record('a', 1),
      record('a', 2),
      record('c', 1),
      record('a', 3),
      record('c', 2),
      streamState('a', 3),
      streamState('c', 2),
      record('c', 3),
      streamState('a', 0),
      streamState('c', 1),
    ];
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.exitCode).toBe(0);
    expect(counts(run.states)).toEqual([
      [3, 3],
      [2, 2],
      [0, 0],
      [1, 1],
    ]);
  });

  it('counts every stream since the last echo on GLOBAL (and LEGACY) states', async () => {
    const legacy: AirbyteMessage = { type: 'STATE', state: { data: { cursor: 9 } } };
    const input = [record('a', 1), record('c', 1), globalState(2), record('c', 2), legacy, globalState(0)];
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.states.map((s) => s.destinationStats?.recordCount)).toEqual([2, 1, 0]);
  });

  it('reports rejections on the echo that commits them, whatever their stream', async () => {
    const input = [record('a', 1), record('c', 1, { bad: true }), streamState('a', 1), streamState('c', 1)];
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.states.map((s) => s.destinationStats)).toEqual([
      {
        recordCount: 1,
        rejectedRecordCount: 1,
        rejected_records: [{ stream: 'c', key: {}, reason: 'bad', retryable: false }],
      },
      { recordCount: 1, rejectedRecordCount: 0 },
    ]);
  });
});
