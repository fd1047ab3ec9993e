import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const users = (count: number) =>
  Array.from({ length: count }, (_, i) => record('people', { email: `u${i}@example.com`, name: `U${i}` }));

describe('rate limits', () => {
  it('follows the remaining-requests headers: 3,000 users under a 20-per-minute limit meet no 429', async () => {
    const { fake, run, time } = await setUp({ rateLimit: 20 });
    const written = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'users', key: 'email' })),
      input: [...users(3000), state('people', 1)],
    });
    expect(written.errors).toEqual([]);
    expect(rejectedOf(written)).toEqual([]);
    expect(fake.store.list('users')).toHaveLength(3001);
    expect(fake.calls.rateLimited).toBe(0);
    expect(fake.limiter.peak).toBe(20);
    // 30 submissions; jobs of one 500-record batch are polled together (2 polls per batch).
    expect(fake.calls.count('POST', '/api/v2/users/create_or_update_many')).toBe(30);
    expect(fake.calls.count('GET', '/api/v2/job_statuses/show_many')).toBe(12);
    // 42 requests at 20 a minute take at least two minute boundaries of waiting.
    expect(time.now() - Date.UTC(2025, 0, 15, 12)).toBeGreaterThanOrEqual(2 * 60_000 - 60_000);
  });

  it('keeps under a configured budget below the account limit (room for other integrations)', async () => {
    const { fake, run } = await setUp({ rateLimit: 700 }, { requests_per_minute: 10 });
    await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'users', key: 'email' })),
      input: [...users(1500), state('people', 1)],
    });
    expect(fake.limiter.peak).toBe(10);
    expect(fake.calls.rateLimited).toBe(0);
  });

  it('waits as Retry-After says when another client used up the minute', async () => {
    const { fake, run, time } = await setUp({ rateLimit: 5 });
    for (let i = 0; i < 5; i++) fake.limiter.take();
    const written = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'users', key: 'email' })),
      input: [...users(10), state('people', 1)],
    });
    expect(written.errors).toEqual([]);
    expect(fake.calls.rateLimited).toBe(1);
    // The fake's minute started at 12:00:00 on the virtual clock: Retry-After is 60 s.
    expect(time.sleeps[0]).toBe(60_000);
    expect(fake.store.list('users')).toHaveLength(11);
  });

  it('fails with a transient error when still rate-limited after max_retries', async () => {
    const { fake, run } = await setUp({ rateLimit: 1 }, { max_retries: 0 });
    fake.limiter.take();
    const written = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'users', key: 'email' })),
      input: [...users(1), state('people', 1)],
    });
    expect(written.errors[0]?.failure_type).toBe('transient_error');
    expect(written.errors[0]?.message).toMatch(/still rate-limited by Zendesk after 0 retries \(APIRateLimitExceeded/);
  });
});
