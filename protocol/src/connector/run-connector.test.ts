import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../testing/harness.js';
import type { ConfiguredAirbyteCatalog, ConnectorSpecification } from '../types.js';
import { checkpoint, defineDestination, defineSource, RecordLines, type Batch } from './definitions.js';
import { BatchRejectedError, ConfigError } from './errors.js';
import { recordLinePrefix, recordLineSuffix } from './read-command.js';

const spec: ConnectorSpecification = {
  connectionSpecification: {
    type: 'object',
    required: ['host', 'password'],
    additionalProperties: false,
    properties: {
      host: { type: 'string', minLength: 1 },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      password: { type: 'string', airbyte_secret: true },
    },
  },
  limits: { max_batch_size: 3 },
};
const config = { host: 'db.internal', port: 5432, password: 'hunter2-secret' };

const numbers = defineSource<{ host: string; password: string }>({
  spec,
  async check({ config }) {
    if (config.host === 'unreachable') throw new ConfigError(`cannot reach ${config.host}`);
    return { ok: true };
  },
  async discover() {
    return { streams: [{ name: 'numbers', json_schema: { type: 'object' }, supported_sync_modes: ['incremental'] }] };
  },
  async *read({ logger, config }, { state }) {
    logger.info('connecting with password %s', config.password);
    const from = typeof state?.['after'] === 'number' ? state['after'] : 0;
    for (let n = from + 1; n <= 5; n++) {
      yield { n };
      if (n % 2 === 0) yield checkpoint({ after: n });
    }
    yield checkpoint({ after: 5 });
  },
});

const catalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: { name: 'numbers', json_schema: { type: 'object' }, supported_sync_modes: ['incremental'] },
      sync_mode: 'incremental',
      destination_sync_mode: 'append_dedup',
      primary_key: [['n']],
    },
  ],
};

function recordingDestination(options: { rejectOdd?: boolean; failBatchesWith?: number } = {}) {
  const batches: Batch[] = [];
  const events: string[] = [];
  const destination = defineDestination({
    spec,
    async check() {
      return { ok: false, message: 'nope' };
    },
    async open() {
      return {
        async write(batch) {
          if (
            options.failBatchesWith !== undefined &&
            batch.records.some((r) => r.data['n'] === options.failBatchesWith)
          ) {
            throw new BatchRejectedError(`n=${options.failBatchesWith} is not allowed`);
          }
          batches.push(batch);
          events.push(`write ${batch.records.map((r) => r.data['n']).join(',')}`);
          const rejected = options.rejectOdd
            ? batch.records.flatMap((r, index) =>
                Number(r.data['n']) % 2 ? [{ index, reason: 'odd', retryable: true }] : [],
              )
            : [];
          return { rejected };
        },
        async commit() {
          events.push('commit');
        },
      };
    },
  });
  return { destination, batches, events };
}

const record = (n: number, extra: object = {}) => ({
  type: 'RECORD' as const,
  record: { stream: 'numbers', data: { n }, emitted_at: 1, ...extra },
});
const state = (after: number) => ({
  type: 'STATE' as const,
  state: { type: 'STREAM' as const, stream: { stream_descriptor: { name: 'numbers' }, stream_state: { after } } },
});

describe('runConnector', () => {
  it('prints the spec', async () => {
    const run = await runInProcess(numbers, 'spec');
    expect(run.exitCode).toBe(0);
    expect(run.spec).toEqual(spec);
  });

  it('rejects an invalid config naming the field, with a TRACE config_error and exit 1', async () => {
    const run = await runInProcess(numbers, 'check', { config: { host: 'h', port: 'x', password: 'p' } });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.failure_type).toBe('config_error');
    expect(run.errors[0]!.message).toMatch(/\/port/);
    expect(run.errors[0]!.message).toMatch(/integer/);
  });

  it('answers check with a status, naming the reason', async () => {
    const ok = await runInProcess(numbers, 'check', { config });
    expect(ok.connectionStatus).toEqual({ status: 'SUCCEEDED' });
    const failed = await runInProcess(numbers, 'check', { config: { ...config, host: 'unreachable' } });
    expect(failed.exitCode).toBe(0);
    expect(failed.connectionStatus).toEqual({ status: 'FAILED', message: 'cannot reach unreachable' });
  });

  it('exits 2 on a bad command line', async () => {
    const run = await runInProcess(numbers, 'write', { config });
    expect(run.exitCode).toBe(2);
    expect(run.errors[0]!.message).toMatch(/expected one of spec, check, discover, read/);
  });

  it('reads rows with checkpoints, stream statuses, and resumes from state', async () => {
    const run = await runInProcess(numbers, 'read', { config, catalog });
    expect(run.exitCode).toBe(0);
    expect(run.records.map((r) => r.data['n'])).toEqual([1, 2, 3, 4, 5]);
    expect(run.states.map((s) => [s.stream?.stream_state?.['after'], s.sourceStats?.recordCount])).toEqual([
      [2, 2],
      [4, 2],
      [5, 1],
    ]);
    const statuses = run.traces.flatMap((t) => (t.stream_status ? [t.stream_status.status] : []));
    expect(statuses).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);

    const resumed = await runInProcess(numbers, 'read', { config, catalog, state: [run.states[1]] });
    expect(resumed.records.map((r) => r.data['n'])).toEqual([5]);
  });

  it('writes RECORD lines a source encoded itself in order with its other messages, counting them per STATE', async () => {
    const lines = (...ns: number[]) =>
      new RecordLines(
        Buffer.from(ns.map((n) => `${recordLinePrefix({ name: 'numbers' })}{"n":${n}}${recordLineSuffix(7)}`).join('')),
        ns.length,
      );
    const encoded = defineSource({
      ...numbers,
      async *read() {
        yield lines(1, 2);
        yield checkpoint({ after: 2 });
        yield { n: 3 };
        yield lines();
        yield lines(4);
        yield checkpoint({ after: 4 });
      },
    });
    const run = await runInProcess(encoded, 'read', { config, catalog });
    expect(run.exitCode).toBe(0);
    expect(run.messages.map((m) => (m.type === 'RECORD' ? m.record!.data['n'] : m.type))).toEqual([
      'TRACE',
      'TRACE',
      1,
      2,
      'STATE',
      3,
      4,
      'STATE',
      'TRACE',
    ]);
    expect(run.records[0]).toEqual({ stream: 'numbers', data: { n: 1 }, emitted_at: 7 });
    expect(run.states.map((s) => s.sourceStats?.recordCount)).toEqual([2, 2]);
  });

  it('keeps no row it has written reachable while the read goes on', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const rows: WeakRef<object>[] = [];
    let collected = 0;
    const many = defineSource({
      ...numbers,
      async *read() {
        for (let n = 0; n < 50; n++) {
          const row = { n, payload: new Array<number>(1000).fill(n) };
          rows.push(new WeakRef(row));
          yield row;
        }
        // WeakRefs let go of their targets only once this turn of the event loop ends.
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        collected = rows.filter((row) => row.deref() === undefined).length;
      },
    });
    const run = await runInProcess(many, 'read', { config, catalog });
    expect(run.records).toHaveLength(50);
    expect(collected).toBeGreaterThanOrEqual(48);
  });

  it('never prints a secret in logs', async () => {
    const run = await runInProcess(numbers, 'read', { config, catalog });
    const printed = JSON.stringify(run.messages);
    expect(printed).not.toContain('hunter2-secret');
    expect(run.logs[0]!.message).toBe('connecting with password **********');
  });

  it('batches writes and forwards each STATE only after the records before it are committed', async () => {
    const { destination, events } = recordingDestination();
    const run = await runInProcess(destination, 'write', {
      config,
      catalog,
      input: [record(1), record(2), record(3), record(4), state(4), record(5), state(5)],
    });
    expect(run.exitCode).toBe(0);
    expect(events).toEqual(['write 1,2,3', 'write 4', 'commit', 'write 5', 'commit']);
    expect(run.states.map((s) => s.destinationStats)).toEqual([
      { recordCount: 4, rejectedRecordCount: 0 },
      { recordCount: 1, rejectedRecordCount: 0 },
    ]);
  });

  it('reports rejected records on the STATE that commits them, with their keys', async () => {
    const { destination } = recordingDestination({ rejectOdd: true });
    const run = await runInProcess(destination, 'write', {
      config,
      catalog,
      input: [record(1), record(2), record(3), state(3)],
    });
    expect(run.states[0]!.destinationStats).toEqual({
      recordCount: 3,
      rejectedRecordCount: 2,
      rejected_records: [
        { stream: 'numbers', key: { n: 1 }, reason: 'odd', retryable: true },
        { stream: 'numbers', key: { n: 3 }, reason: 'odd', retryable: true },
      ],
    });
  });

  it('splits a refused batch to isolate the bad record', async () => {
    const { destination, batches } = recordingDestination({ failBatchesWith: 2 });
    const run = await runInProcess(destination, 'write', {
      config,
      catalog,
      input: [record(1), record(2), record(3), state(3)],
    });
    expect(batches.flatMap((b) => b.records.map((r) => r.data['n']))).toEqual([1, 3]);
    expect(run.states[0]!.destinationStats?.rejected_records).toEqual([
      { stream: 'numbers', key: { n: 2 }, reason: 'n=2 is not allowed', retryable: false },
    ]);
  });

  it('passes deletes through, from the operation field or the Airbyte CDC column', async () => {
    const { destination, batches } = recordingDestination();
    await runInProcess(destination, 'write', {
      config,
      catalog,
      input: [
        record(1, { operation: 'delete' }),
        { ...record(2), record: { ...record(2).record, data: { n: 2, _ab_cdc_deleted_at: 'x' } } },
        record(3),
        state(3),
      ],
    });
    expect(batches[0]!.records.map((r) => r.operation)).toEqual(['delete', 'delete', 'upsert']);
  });

  it('fails with the line number when stdin carries a broken message', async () => {
    const { destination } = recordingDestination();
    const run = await runInProcess(destination, 'write', {
      config,
      catalog,
      input: [record(1), { type: 'RECORD', record: { stream: 'numbers', emitted_at: 1 } } as never],
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]!.message).toMatch(/stdin line 2/);
    expect(run.errors[0]!.message).toMatch(/data/);
  });
});

describe('records after the last STATE', () => {
  it('are neither written nor committed, and a warning says so', async () => {
    const { destination, events } = recordingDestination();
    const run = await runInProcess(destination, 'write', {
      config,
      catalog,
      input: [record(1), state(1), record(2), record(3)],
    });
    expect(run.exitCode).toBe(0);
    expect(events).toEqual(['write 1', 'commit']);
    expect(run.logs.map((l) => l.message)).toContain(
      'input ended with 2 record(s) after the last STATE: not committed, as no checkpoint covers them',
    );
  });
});

describe('concurrent writes (limits.max_concurrency)', () => {
  it('keeps up to the declared number of batches in flight, never two holding the same key, and states after all', async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const destination = defineDestination({
      spec: { ...spec, limits: { max_batch_size: 2, max_concurrency: 3 } },
      async check() {
        return { ok: true };
      },
      async open() {
        return {
          async write(batch) {
            running++;
            peak = Math.max(peak, running);
            const ids = batch.records.map((r) => r.data['n']).join(',');
            order.push(`start ${ids}`);
            // Yield a few turns so other batches can start while this one is "in flight".
            for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
            order.push(`end ${ids}`);
            running--;
          },
          async commit() {
            order.push('commit');
          },
        };
      },
    });
    const input = [1, 2, 3, 4, 5, 6, 7, 8, 1, 9].map((n) => record(n));
    const run = await runInProcess(destination, 'write', { config, catalog, input: [...input, state(9)] });
    expect(run.exitCode).toBe(0);
    expect(peak).toBe(3);
    // The batch holding n=1 again waits until the first batch holding n=1 has ended.
    expect(order.indexOf('start 1,9')).toBeGreaterThan(order.indexOf('end 1,2'));
    expect(order.at(-1)).toBe('commit');
    expect(order.filter((e) => e.startsWith('end'))).toHaveLength(5);
    expect(run.states[0]!.destinationStats).toMatchObject({ recordCount: 10, rejectedRecordCount: 0 });
  });
});
