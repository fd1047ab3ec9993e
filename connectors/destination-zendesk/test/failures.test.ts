import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const people = stream('people', 'upsert', { object: 'users', key: 'email' });
const users = (count: number) =>
  Array.from({ length: count }, (_, i) => record('people', { email: `u${i}@example.com`, name: `U${i}` }));

describe('failures', () => {
  it('retries 5xx with backoff on the injected clock, and waits as Retry-After says on a 503 that gives one', async () => {
    const { fake, run, time } = await setUp();
    fake.failNext({ status: 502, times: 2, path: '/api/v2/users/create_or_update_many' });
    fake.failNext({ status: 503, times: 1, path: '/api/v2/job_statuses/show_many', retryAfter: 7 });
    const written = await run('write', { catalog: catalog(people), input: [...users(3), state('people', 1)] });
    expect(written.errors).toEqual([]);
    expect(rejectedOf(written)).toEqual([]);
    expect(fake.store.list('users')).toHaveLength(4);
    // Backoff 500 ms then 1 s (equal jitter at 0.5: 375, 750), the first job poll at 250 ms, then Retry-After 7 s.
    expect(time.sleeps).toEqual([375, 750, 250, 7000, 500]);
    expect(written.logs.map((l) => l.message).join('\n')).toMatch(
      /create_or_update_many of users: Zendesk answered 502; retry 1 of 6/,
    );
  });

  it('fails with a transient error naming the call when Zendesk stays down', async () => {
    const { fake, run } = await setUp({}, { max_retries: 2 });
    fake.failNext({ status: 503, times: 10 });
    const written = await run('write', { catalog: catalog(people), input: [...users(1), state('people', 1)] });
    expect(written.errors[0]).toMatchObject({ failure_type: 'transient_error' });
    expect(written.errors[0]?.message).toMatch(/Zendesk answered 503 3 times/);
    expect(written.states).toHaveLength(0);
  });

  it('a job that fails as a whole rejects its records as retryable with the job message; the next job lands', async () => {
    const { fake, run } = await setUp();
    fake.failNextJob('Worker lost');
    const written = await run('write', { catalog: catalog(people), input: [...users(150), state('people', 1)] });
    const rejected = rejectedOf(written);
    expect(rejected).toHaveLength(100);
    expect(rejected[0]).toMatchObject({
      retryable: true,
      reason: expect.stringMatching(/^Zendesk job [0-9a-f]+ failed: Worker lost$/),
    });
    expect(fake.store.list('users')).toHaveLength(51);
  });

  it('a job still running after job_timeout_seconds fails the sync as transient, with no STATE confirmed', async () => {
    const { run } = await setUp({ pollsToComplete: 1000 }, { job_timeout_seconds: 30 });
    const written = await run('write', { catalog: catalog(people), input: [...users(5), state('people', 1)] });
    expect(written.errors[0]).toMatchObject({ failure_type: 'transient_error' });
    expect(written.errors[0]?.message).toMatch(
      /still running after 30 s; their records are sent again by the next run/,
    );
    expect(written.states).toHaveLength(0);
  });
});
