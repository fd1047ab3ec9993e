import { afterEach, describe, expect, it } from 'vitest';
import { startZendeskFake, type ZendeskFake } from './zendesk/index.js';

let fake: ZendeskFake;
let clock = Date.UTC(2025, 0, 15, 12, 0, 30);
afterEach(() => fake.close());

const auth = () => ({
  authorization: `Basic ${Buffer.from(`${fake.email}/token:${fake.apiToken}`).toString('base64')}`,
});
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth()) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    status: response.status,
    headers: response.headers,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read loosely, field by field
    body: (await response.json()) as Record<string, any>,
  };
}

describe('Zendesk fake', () => {
  it("answers 401 Couldn't authenticate you without valid credentials, and accepts the OAuth token", async () => {
    fake = await startZendeskFake();
    expect(await call('GET', '/api/v2/users/me', undefined, { authorization: 'Basic eDp5' })).toMatchObject({
      status: 401,
      body: { error: "Couldn't authenticate you" },
    });
    expect(
      await call('GET', '/api/v2/users/me.json', undefined, { authorization: `Bearer ${fake.oauthToken}` }),
    ).toMatchObject({ status: 200, body: { user: { role: 'admin' } } });
  });

  it('queues bulk jobs that move queued → working → completed by polls, with per-item results', async () => {
    fake = await startZendeskFake();
    const submitted = await call('POST', '/api/v2/users/create_or_update_many', {
      users: [
        { name: 'A', email: 'a@example.com' },
        { name: 'B', email: 'bad' },
      ],
    });
    expect(submitted.body.job_status).toMatchObject({ status: 'queued', total: 2, results: null });
    expect(fake.store.userByEmail('a@example.com')).toBeUndefined();
    const id = submitted.body.job_status.id as string;
    expect((await call('GET', `/api/v2/job_statuses/${id}`)).body.job_status.status).toBe('working');
    const done = await call('GET', `/api/v2/job_statuses/show_many?ids=${id}`);
    expect(done.body.job_statuses[0]).toMatchObject({
      status: 'completed',
      progress: 2,
      results: [
        { index: 0, action: 'create', status: 'Created', success: true },
        { index: 1, error: 'RecordInvalid', details: 'Email: bad is not properly formatted', status: 'Failed' },
      ],
    });
    expect(fake.store.userByEmail('a@example.com')).toMatchObject({ name: 'A' });
  });

  it('refuses more than 100 items per call and queues nothing', async () => {
    fake = await startZendeskFake();
    const users = Array.from({ length: 101 }, (_, i) => ({ name: `U${i}`, email: `u${i}@example.com` }));
    const answer = await call('POST', '/api/v2/users/create_or_update_many', { users });
    expect(answer).toMatchObject({ status: 400, body: { error: 'TooManyValues' } });
    const ids = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    expect((await call('GET', `/api/v2/users/show_many?ids=${ids}`)).status).toBe(400);
  });

  it('paginates tickets with cursors: page[size] ≤ 100, meta.has_more, links.next', async () => {
    fake = await startZendeskFake();
    fake.store.seed(
      'tickets',
      Array.from({ length: 150 }, (_, i) => ({ external_id: `t${i}`, subject: 's', status: 'open' })),
    );
    const first = await call('GET', '/api/v2/tickets?page[size]=100');
    expect(first.body.tickets).toHaveLength(100);
    expect(first.body.meta.has_more).toBe(true);
    const next = new URL(first.body.links.next as string);
    const second = await call('GET', `${next.pathname}${next.search}`);
    expect(second.body.tickets).toHaveLength(50);
    expect(second.body.meta).toMatchObject({ has_more: false, after_cursor: null });
    expect(second.body.links.next).toBeNull();
    expect((await call('GET', '/api/v2/tickets?page[size]=101')).status).toBe(400);
  });

  it('counts requests per minute of its clock, with the rate-limit headers and 429 + Retry-After', async () => {
    fake = await startZendeskFake({ now: () => clock, rateLimit: 2 });
    const first = await call('GET', '/api/v2/users/me');
    expect(first.headers.get('x-rate-limit')).toBe('2');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('1');
    expect(first.headers.get('ratelimit-reset')).toBe('30');
    await call('GET', '/api/v2/users/me');
    const limited = await call('GET', '/api/v2/users/me');
    expect(limited).toMatchObject({ status: 429, body: { error: 'APIRateLimitExceeded' } });
    expect(limited.headers.get('retry-after')).toBe('30');
    clock += 30_000;
    expect((await call('GET', '/api/v2/users/me')).status).toBe(200);
  });
});
