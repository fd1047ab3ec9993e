import { describe, expect, it } from 'vitest';
import { runInProcess } from '../testing/harness.js';
import type { AirbyteMessage, ConfiguredAirbyteCatalog, RejectedRecord } from '../types.js';
import { InflightWrites, PendingStates } from './concurrent-writes.js';
import { defineDestination } from './definitions.js';

/** A promise settled from outside, so tests choose the order in which writes finish. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (no timer involved). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const rejection = (n: number): RejectedRecord => ({ stream: 's', key: { n }, reason: `bad ${n}`, retryable: false });

describe('InflightWrites', () => {
  it('keeps at most `limit` writes in flight: the next starts when any one ends', async () => {
    const inflight = new InflightWrites(2);
    const writes = [deferred<RejectedRecord[]>(), deferred<RejectedRecord[]>(), deferred<RejectedRecord[]>()];
    const started: number[] = [];
    const start = (i: number) =>
      inflight.start([`k${i}`], () => {
        started.push(i);
        return writes[i]!.promise;
      });
    await start(0);
    await start(1);
    const third = start(2);
    await settle();
    expect(started).toEqual([0, 1]);
    writes[1]!.resolve([]);
    await third;
    expect(started).toEqual([0, 1, 2]);
    writes[0]!.resolve([]);
    writes[2]!.resolve([]);
    await inflight.drain();
  });

  it('never has two writes in flight that share a key, even with free slots', async () => {
    const inflight = new InflightWrites(5);
    const first = deferred<RejectedRecord[]>();
    const started: string[] = [];
    await inflight.start(['a', 'b'], () => (started.push('a,b'), first.promise));
    await inflight.start(['c'], async () => (started.push('c'), []));
    const sharing = inflight.start(['d', 'b'], async () => (started.push('d,b'), []));
    await settle();
    expect(started).toEqual(['a,b', 'c']);
    first.resolve([]);
    await sharing;
    expect(started).toEqual(['a,b', 'c', 'd,b']);
    await inflight.drain();
  });

  it('rethrows the first failure at the next start and at drain', async () => {
    const inflight = new InflightWrites(3);
    const failing = deferred<RejectedRecord[]>();
    await inflight.start(['a'], () => failing.promise);
    failing.reject(new Error('batch refused'));
    await settle();
    await expect(inflight.start(['b'], async () => [])).rejects.toThrow('batch refused');
    await expect(inflight.drain()).rejects.toThrow('batch refused');
  });
});

describe('PendingStates', () => {
  it('emits each STATE only after every batch before it, in input order, even when later batches finish first', async () => {
    const states = new PendingStates();
    const emitted: string[] = [];
    const batches = [deferred<RejectedRecord[]>(), deferred<RejectedRecord[]>(), deferred<RejectedRecord[]>()];
    states.add(batches[0]!.promise);
    states.add(batches[1]!.promise);
    states.enqueue(async (rejected) => void emitted.push(`S1 ${rejected.map((r) => r.reason).join(',')}`));
    states.add(batches[2]!.promise);
    states.enqueue(async (rejected) => void emitted.push(`S2 ${rejected.map((r) => r.reason).join(',')}`));
    expect(states.size).toBe(2);

    batches[2]!.resolve([rejection(3)]);
    batches[1]!.resolve([rejection(2)]);
    await settle();
    expect(emitted).toEqual([]);
    batches[0]!.resolve([rejection(1)]);
    await states.done();
    // Rejections go with the STATE that covers their batch, in the order the batches started.
    expect(emitted).toEqual(['S1 bad 1,bad 2', 'S2 bad 3']);
    expect(states.size).toBe(0);
  });

  it('keeps only the rejections of batches settled long before a STATE, in start order', async () => {
    const states = new PendingStates();
    const emitted: string[] = [];
    const late = deferred<RejectedRecord[]>();
    states.add(Promise.resolve([rejection(1)]));
    await settle();
    states.add(late.promise);
    states.add(Promise.resolve([rejection(3)]));
    await settle();
    states.add(Promise.resolve([]));
    states.enqueue(async (rejected) => void emitted.push(rejected.map((r) => r.reason).join(',')));
    late.resolve([rejection(2)]);
    await states.done();
    expect(emitted).toEqual(['bad 1,bad 2,bad 3']);
  });

  it('emits no STATE after a failed batch, but the ones before it', async () => {
    const states = new PendingStates();
    const emitted: string[] = [];
    const ok = deferred<RejectedRecord[]>();
    const failing = deferred<RejectedRecord[]>();
    states.add(ok.promise);
    states.enqueue(async () => void emitted.push('S1'));
    states.add(failing.promise);
    states.enqueue(async () => void emitted.push('S2'));
    states.enqueue(async () => void emitted.push('S3'));
    failing.reject(new Error('boom'));
    ok.resolve([]);
    await expect(states.done()).rejects.toThrow('boom');
    expect(emitted).toEqual(['S1']);
  });
});

describe('runWrite with limits.max_concurrency', () => {
  const catalog: ConfiguredAirbyteCatalog = {
    streams: [
      {
        stream: { name: 's', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'] },
        sync_mode: 'full_refresh',
        destination_sync_mode: 'append_dedup',
        primary_key: [['n']],
      },
    ],
  };
  const record = (n: number): AirbyteMessage => ({
    type: 'RECORD',
    record: { stream: 's', data: { n }, emitted_at: 0 },
  });
  const state = (at: number): AirbyteMessage => ({
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: 's' }, stream_state: { at } } },
  });

  /**
   * A destination of batch size 2 and concurrency 3 whose writes finish in groups, the last
   * started first: writes wait until `groups[0]` are in flight, then all finish in reverse,
   * then the next group. Every batch in a group finishes out of order.
   */
  function reversingDestination(groups: number[], fail?: number) {
    const events: string[] = [];
    const waiting: (() => void)[] = [];
    let peak = 0;
    const destination = defineDestination({
      spec: { connectionSpecification: { type: 'object' }, limits: { max_batch_size: 2, max_concurrency: 3 } },
      async check() {
        return { ok: true };
      },
      async open() {
        return {
          write: async (batch) => {
            const ids = batch.records.map((r) => r.data['n']).join(',');
            const done = deferred<void>();
            waiting.push(() => {
              events.push(`end ${ids}`);
              done.resolve();
            });
            peak = Math.max(peak, waiting.length);
            if (waiting.length === groups[0]) {
              groups.shift();
              for (const finish of waiting.splice(0).reverse()) finish();
            }
            await done.promise;
            if (batch.records.some((r) => r.data['n'] === fail)) throw new Error(`cannot write ${ids}`);
            const rejected = batch.records.flatMap((r, index) =>
              Number(r.data['n']) % 5 === 0 ? [{ index, reason: `bad ${r.data['n']}`, retryable: false }] : [],
            );
            return { rejected };
          },
          commit: async () => void events.push('commit'),
        };
      },
    });
    return { destination, events, peak: () => peak };
  }

  it('forwards each STATE after all the batches before it, with their rejections, whatever order they end in', async () => {
    const { destination, events, peak } = reversingDestination([3, 2]);
    const input = [1, 2, 3, 4, state(4), 5, 6, state(6), 7, 8, 9, 10, state(10)].map((m) =>
      typeof m === 'number' ? record(m) : m,
    );
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.exitCode).toBe(0);
    expect(peak()).toBe(3);
    // 5,6 ended before 1,2 and 3,4: the first commit still waited for all three.
    expect(events.slice(0, 4)).toEqual(['end 5,6', 'end 3,4', 'end 1,2', 'commit']);
    expect(run.states.map((s) => s.stream?.stream_state)).toEqual([{ at: 4 }, { at: 6 }, { at: 10 }]);
    expect(run.states.map((s) => s.destinationStats?.rejected_records?.map((r) => r.key))).toEqual([
      undefined,
      [{ n: 5 }],
      [{ n: 10 }],
    ]);
    expect(run.states.map((s) => s.destinationStats?.recordCount)).toEqual([4, 2, 4]);
  });

  it('fails the run when one batch fails, forwarding only the STATEs whose batches all succeeded', async () => {
    const { destination } = reversingDestination([3, 1], 7);
    const input = [1, 2, state(2), 3, 4, 5, 6, 7, 8, state(8), 9, 10, state(10)].map((m) =>
      typeof m === 'number' ? record(m) : m,
    );
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.exitCode).toBe(1);
    expect(run.states.map((s) => s.stream?.stream_state)).toEqual([{ at: 2 }]);
    expect(run.errors[0]?.message).toMatch(/cannot write 7,8/);
  });
});
