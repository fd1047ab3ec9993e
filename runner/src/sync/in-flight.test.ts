import { describe, expect, it } from 'vitest';
import { DELETE_HASH } from '../diff/fingerprint.js';
import { InFlightRecords, type SentRecord } from './in-flight.js';

const record = (id: number, op: 'upsert' | 'delete' = 'upsert'): SentRecord => ({
  stream: 'contacts',
  streamId: 1,
  key: id,
  op,
  hash: Buffer.alloc(8, id).toString('hex'),
  matchKey: JSON.stringify([`u${id}@x.io`]),
  data: { email: `u${id}@x.io` },
});

describe('InFlightRecords', () => {
  it('settles the first n records: rejections matched by matching key, the rest delivered', async () => {
    const inFlight = new InFlightRecords(() => [['email']]);
    for (let id = 1; id <= 4; id++) inFlight.add(record(id, id === 3 ? 'delete' : 'upsert'));
    const settled = inFlight.settle(3, [
      { stream: 'contacts', key: { email: 'u2@x.io' }, reason: 'rate limited', retryable: true },
      { stream: 'contacts', key: { email: 'u3@x.io' }, reason: 'locked', retryable: false },
      { stream: 'contacts', key: { email: 'nobody@x.io' }, reason: '?', retryable: false },
    ]);
    expect(settled.accepted).toEqual(new Map([['contacts', 1]]));
    expect(settled.retryable.map((r) => r.record.key)).toEqual([2]);
    expect(settled.refused.map((r) => r.record.key)).toEqual([3]);
    expect(settled.unmatched.map((r) => r.key)).toEqual([{ email: 'nobody@x.io' }]);
    expect(settled.outcomes).toEqual([
      { stream: 1, key: 1, matchKey: '["u1@x.io"]', op: 'upsert', flags: 1, hash: Buffer.alloc(8, 1).toString('hex') },
      { stream: 1, key: 3, matchKey: '["u3@x.io"]', op: 'reject', flags: 0, hash: DELETE_HASH, reason: 'locked' },
    ]);
    expect(inFlight.size).toBe(1);
    let idle = false;
    const waiting = inFlight.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    inFlight.settle(4, []);
    await waiting;
    expect(idle).toBe(true);
  });
});
