import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, contacts, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const contactsStream = stream('people', 'upsert', { object: 'contacts', key: 'email' });
const UPSERT = 'POST /crm/v3/objects/contacts/batch/upsert';

describe('concurrent batches under the rate-limit window', () => {
  it('keeps 10 upserts in flight through one window: no 429, every STATE in order after its batches', async () => {
    // The fake answers upserts only once 10 are waiting, and then the last one first, so
    // the run finishes only if the connector really has 10 batches in flight, and every
    // group of batches ends out of order.
    const held: (() => void)[] = [];
    const hold = (route: string) =>
      route !== UPSERT
        ? Promise.resolve()
        : new Promise<void>((answer) => {
            held.push(answer);
            if (held.length === 10) for (const release of held.splice(0).reverse()) release();
          });
    const { fake, run, time } = await setUp(
      { rateLimit: { max: 20, intervalMs: 1000 }, hold },
      { max_requests_per_window: 20, window_seconds: 1 },
    );
    const input = contacts('people', 3000).flatMap((message, i) =>
      (i + 1) % 500 === 0 ? [message, state('people', (i + 1) / 500)] : [message],
    );
    const started = time.now();
    const result = await run('write', { catalog: catalog(contactsStream), input });

    expect(result.errors).toEqual([]);
    expect(fake.inFlight.peak).toBe(10);
    expect(fake.calls.rateLimited).toBe(0);
    expect(fake.calls.count({ path: '/crm/v3/objects/contacts/batch/upsert' })).toBe(30);
    expect(fake.store.list('contacts')).toHaveLength(3000);
    // 31 requests at 20 per rolling second cannot all go within the first second.
    expect(time.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.states.map((s) => [s.stream?.stream_state, s.destinationStats?.recordCount])).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => [{ n }, 500]),
    );
  }, 20_000);

  it('holds every request when one meets a 429, until its Retry-After has passed', async () => {
    const { fake, run, time } = await setUp({}, { max_requests_per_window: 100, window_seconds: 10 });
    fake.failNext({ status: 429, retryAfter: 3, path: '/crm/v3/objects/contacts/batch/upsert' });
    const started = time.now();
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 2000), state('people', 1)],
    });

    expect(result.errors).toEqual([]);
    const upserts = fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/upsert' });
    expect(upserts.map((c) => c.status).filter((s) => s === 429)).toHaveLength(1);
    expect(fake.store.list('contacts')).toHaveLength(2000);
    // The 20 upserts plus the retry fit in one window: only the 429's hold costs time.
    expect(time.now() - started).toBe(3000);
  });
});
