import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, contacts, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const contactsStream = stream('people', 'upsert', { object: 'contacts', key: 'email' });
const window = { max_requests_per_window: 10, window_seconds: 1 };

describe('rate limits', () => {
  it('paces steady state under the rolling limit: no 429, never faster than allowed', async () => {
    const { fake, run, time } = await setUp({ rateLimit: { max: 10, intervalMs: 1000 } }, window);
    const started = time.now();
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 3000), state('people', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(fake.calls.rateLimited).toBe(0);
    expect(fake.calls.count({ path: '/crm/v3/objects/contacts/batch/upsert' })).toBe(30);
    // 31 requests (properties + 30 upserts) at 10 per rolling second: at best 10 at t=0,
    // 10 at 1 s, 10 at 2 s, the last at 3 s. Batches go concurrently, so an answer may
    // arrive after the virtual clock moved on, which only delays the next window (the
    // bench measures the budget used, on real time).
    expect(time.now() - started).toBeGreaterThanOrEqual(3000);
    expect(time.sleeps.every((ms) => ms <= 1000)).toBe(true);
  });

  it('waits as Retry-After says when HubSpot answers 429, then retries', async () => {
    const { fake, run, time } = await setUp({}, window);
    fake.failNext({ status: 429, retryAfter: 3, path: '/crm/v3/objects/contacts/batch/upsert' });
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 100), state('people', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(time.sleeps).toEqual([3000]);
    expect(fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/upsert' }).map((c) => c.status)).toEqual([
      429, 200,
    ]);
    expect(fake.store.list('contacts')).toHaveLength(100);
    expect(result.logs.some((l) => l.level === 'WARN' && /429.*retry 1 of 6 in 3000 ms/.test(l.message))).toBe(true);
  });

  it("recovers when the account's real limit is lower than configured (another app sharing the budget)", async () => {
    const { fake, run } = await setUp({ rateLimit: { max: 5, intervalMs: 1000 } }, window);
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 2000), state('people', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(fake.calls.rateLimited).toBeGreaterThan(0);
    expect(fake.store.list('contacts')).toHaveLength(2000);
  });

  it('retries 5xx with exponential backoff, then fails with a transient error', async () => {
    const { fake, run, time } = await setUp({}, { max_retries: 3 });
    fake.failNext({ status: 502, times: 2, path: '/crm/v3/objects/contacts/batch/upsert' });
    const ok = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 10), state('people', 1)],
    });
    expect(ok.errors).toEqual([]);
    // random() is 0.5 in tests: 3/4 of 500 ms, then 3/4 of 1000 ms.
    expect(time.sleeps).toEqual([375, 750]);

    fake.failNext({ status: 503, times: 4, path: '/crm/v3/objects/contacts/batch/upsert' });
    const failed = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 10), state('people', 2)],
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.states).toEqual([]);
    expect(failed.errors).toEqual([
      expect.objectContaining({
        failure_type: 'transient_error',
        message: expect.stringMatching(/batch upsert of 10 contacts: HubSpot answered 503 4 times/),
      }),
    ]);
  });

  it('fails with a transient error naming the daily limit when it is used up', async () => {
    const { fake, run } = await setUp({ rateLimit: { daily: 3 } });
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 500), state('people', 1)],
    });

    expect(result.errors).toEqual([
      expect.objectContaining({
        failure_type: 'transient_error',
        message: expect.stringMatching(/daily API limit \(3 requests\) is used up/),
      }),
    ]);
    // Each batch in flight when the quota ran out met it once; none was retried.
    const refused = fake.calls
      .filter({ path: '/crm/v3/objects/contacts/batch/upsert' })
      .filter((c) => c.status === 429);
    expect(refused.length).toBe(fake.calls.rateLimited);
    expect(fake.calls.rateLimited).toBeGreaterThanOrEqual(1);
    expect(fake.calls.rateLimited).toBeLessThanOrEqual(10);
  });
});
