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

describe('10,000 records', () => {
  it('users: 100 submissions (the minimum at 100 per call) and 2 polls per 500-record batch; the rate reaches the limit, never over', async () => {
    const { fake, run } = await setUp({ rateLimit: 50 }, { requests_per_minute: 700 });
    const written = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'users', key: 'email' })),
      input: [...users(10_000), state('people', 1)],
    });
    expect(written.errors).toEqual([]);
    expect(fake.store.list('users')).toHaveLength(10_001);
    expect(fake.calls.writes).toBe(100); // ÷ ceil(10,000 / 100) = 1.00
    expect(fake.calls.count('GET', '/api/v2/job_statuses/show_many')).toBe(40);
    expect(fake.calls.all).toHaveLength(140 + 1); // + the user-field listing at open
    // Batches run concurrently and the virtual clock adds up their sleeps (a poll's backoff
    // moves time for every batch), so a minute can pass with a little of it unused: ≥ 0.9.
    expect(fake.limiter.peak).toBeLessThanOrEqual(50);
    expect(fake.limiter.peak).toBeGreaterThanOrEqual(45);
    expect(fake.calls.rateLimited).toBe(0);
  });

  it('tickets by external id: one listing of the account, then 100 creates; an update of all 10,000 costs the listing and 100 updates', async () => {
    const { fake, run } = await setUp();
    const tickets = (subject: string) =>
      Array.from({ length: 10_000 }, (_, i) => record('alerts', { external_id: `e${i}`, subject, comment_body: 'x' }));
    const configured = catalog(stream('alerts', 'upsert', { object: 'tickets', key: 'external_id' }));
    await run('write', { catalog: configured, input: [...tickets('first'), state('alerts', 1)] });
    expect(fake.store.list('tickets')).toHaveLength(10_000);
    expect(fake.calls.count('POST', '/api/v2/tickets/create_many')).toBe(100);
    expect(fake.calls.count('GET', '/api/v2/tickets')).toBe(1); // an empty account: one page
    fake.calls.reset();
    await run('write', { catalog: configured, input: [...tickets('second'), state('alerts', 2)] });
    expect(fake.store.byExternalId('tickets', 'e9999')).toMatchObject({ subject: 'second' });
    expect(fake.calls.count('PUT', '/api/v2/tickets/update_many')).toBe(100);
    expect(fake.calls.count('GET', '/api/v2/tickets')).toBe(100);
  });
});
