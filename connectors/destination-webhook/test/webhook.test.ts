import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../../test/fakes/webhook/index.js';
import { catalog, closeReceivers, record, rejectedOf, setUp, state, stream, users } from './helpers.js';

afterEach(closeReceivers);

const mirror = catalog(stream('users', 'mirror'));

describe('delivery', () => {
  it('POSTs batches of batch_size records in the documented payload, in order', async () => {
    const { receiver, run } = await setUp({}, { batch_size: 100 });
    const result = await run('write', {
      catalog: mirror,
      input: [...users(249), record('users', { id: 3 }, 'delete'), state('users', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(result.states[0]!.destinationStats).toMatchObject({ recordCount: 250, rejectedRecordCount: 0 });
    expect(receiver.requests.map((r) => [r.method, r.path, (r.body as { records: unknown[] }).records.length])).toEqual(
      [
        ['POST', '/hooks/backflow', 100],
        ['POST', '/hooks/backflow', 100],
        ['POST', '/hooks/backflow', 50],
      ],
    );
    const first = receiver.requests[0]!;
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.body).toMatchObject({ stream: 'users', behaviour: 'mirror' });
    expect((first.body as { records: unknown[] }).records[0]).toEqual({
      operation: 'upsert',
      key: { id: 0 },
      data: { id: 0, name: 'User 0' },
    });
    expect(receiver.accepted().at(-1)).toEqual({ operation: 'delete', key: { id: 3 }, data: { id: 3 } });
    expect(receiver.accepted()).toHaveLength(250);
  });

  it('signs the raw body with HMAC-SHA256 and sends plain and secret headers', async () => {
    const secret = 'whsec_test_0123456789';
    const { receiver, run } = await setUp(
      { secret },
      {
        signing_secret: secret,
        headers: { 'X-Tenant': 'acme' },
        secret_headers: { Authorization: 'Bearer very-secret-token' },
      },
    );
    const result = await run('write', { catalog: mirror, input: [...users(3), state('users', 1)] });

    expect(result.errors).toEqual([]);
    const [request] = receiver.requests;
    expect(request!.status).toBe(200);
    expect(request!.headers['x-backflow-signature']).toBe(signWebhookBody(secret, JSON.stringify(request!.body)));
    expect(request!.headers['x-tenant']).toBe('acme');
    expect(request!.headers.authorization).toBe('Bearer very-secret-token');
  });

  it('fails with a config error, without splitting, when the endpoint refuses the signature', async () => {
    const { receiver, run } = await setUp(
      { secret: 'right-secret' },
      { signing_secret: 'wrong-secret', batch_size: 10 },
    );
    const result = await run('write', { catalog: mirror, input: [...users(10), state('users', 1)] });

    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual([
      expect.objectContaining({
        failure_type: 'config_error',
        message: expect.stringMatching(
          /refused the request with HTTP 401 \(check secret_headers and signing_secret\): invalid_signature/,
        ),
      }),
    ]);
    expect(receiver.calls.total).toBe(1);
    expect(JSON.stringify(result.messages)).not.toContain('wrong-secret');
  });
});

describe('refused records', () => {
  it('halves a refused POST until the bad records stand alone, rejecting them with the reason and delivering the rest once', async () => {
    const { receiver, run } = await setUp(
      {
        failWith: {
          status: 422,
          when: (r) => (r as { data: { email?: string } }).data.email === 'bad',
          reason: (r) => `record ${(r as { key: { id: number } }).key.id}: email is not valid`,
        },
      },
      { batch_size: 64 },
    );
    const result = await run('write', {
      catalog: mirror,
      input: [...users(100, (i) => (i === 5 || i === 70 ? { email: 'bad' } : {})), state('users', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(rejectedOf(result)).toEqual([
      { stream: 'users', key: { id: 5 }, reason: 'HTTP 422: record 5: email is not valid', retryable: false },
      { stream: 'users', key: { id: 70 }, reason: 'HTTP 422: record 70: email is not valid', retryable: false },
    ]);
    const delivered = receiver.accepted().map((r) => (r as { key: { id: number } }).key.id);
    expect(delivered).toHaveLength(98);
    expect(new Set(delivered).size).toBe(98);
    // 64 → 32 → 16 → 8 → 4 → 2 → 1 around each bad record: a handful of requests, not one per record.
    expect(receiver.calls.total).toBeLessThan(30);
  });
});

describe('secrets', () => {
  it('never repeats secret header values, even when the endpoint echoes them in its refusal', async () => {
    const echo: Server = createServer((req, res) => {
      res.statusCode = 400;
      res.end(JSON.stringify({ reason: `bad request with authorization ${req.headers.authorization}` }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const { run } = await setUp();
      const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/hook`;
      const result = await run('write', {
        catalog: mirror,
        input: [...users(1), state('users', 1)],
        config: { url, secret_headers: { Authorization: 'Bearer leaky-token-123' } },
      });

      expect(rejectedOf(result)).toEqual([
        expect.objectContaining({ reason: 'HTTP 400: bad request with authorization **********' }),
      ]);
      expect(JSON.stringify(result.messages)).not.toContain('leaky-token-123');
    } finally {
      echo.closeAllConnections();
      await new Promise((resolve) => echo.close(resolve));
    }
  });
});

describe('retries', () => {
  it('waits as Retry-After says on 429, and backs off exponentially with jitter on 5xx', async () => {
    const { receiver, run, sleeps } = await setUp();
    receiver.failNext({ status: 429, retryAfter: 7 });
    receiver.failNext({ status: 503, times: 2 });
    const result = await run('write', { catalog: mirror, input: [...users(5), state('users', 1)] });

    expect(result.errors).toEqual([]);
    // random() is 0.5 in tests: half of the delay fixed plus a quarter, doubling from 500 ms.
    expect(sleeps).toEqual([7000, 750, 1500]);
    expect(receiver.calls.byStatus()).toEqual({ 200: 1, 429: 1, 503: 2 });
    expect(receiver.accepted()).toHaveLength(5);
  });

  it('fails with a transient error once retries are used up', async () => {
    const { receiver, run } = await setUp({}, { max_retries: 2 });
    receiver.failNext({ status: 502, times: 3 });
    const result = await run('write', { catalog: mirror, input: [...users(5), state('users', 1)] });

    expect(result.states).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({
        failure_type: 'transient_error',
        message: 'POST of 5 users record(s): HTTP 502: injected_failure (3 attempts)',
      }),
    ]);
  });

  it('fails with a transient error when the endpoint asks to come back much later', async () => {
    const { receiver, run, sleeps } = await setUp();
    receiver.failNext({ status: 503, retryAfter: 3600 });
    const result = await run('write', { catalog: mirror, input: [...users(1), state('users', 1)] });

    expect(sleeps).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({
        failure_type: 'transient_error',
        message: expect.stringMatching(/asks to retry in 3600 s/),
      }),
    ]);
  });

  it('times out an endpoint that never answers, and retries it', async () => {
    const requests: number[] = [];
    const silent: Server = createServer(() => requests.push(Date.now()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { run } = await setUp({}, {});
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
      const result = await run('write', {
        catalog: mirror,
        input: [...users(1), state('users', 1)],
        config: { url, timeout_seconds: 0.2, max_retries: 1 },
      });

      expect(requests).toHaveLength(2);
      expect(result.errors).toEqual([
        expect.objectContaining({
          failure_type: 'transient_error',
          message: 'POST of 1 users record(s): no answer within 0.2 s (2 attempts)',
        }),
      ]);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('retries a refused connection, then fails naming only the origin', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { run } = await setUp();
    const result = await run('write', {
      catalog: mirror,
      input: [...users(1), state('users', 1)],
      config: { url: `http://127.0.0.1:${port}/hook?token=abc`, max_retries: 1 },
    });

    expect(result.errors).toEqual([
      expect.objectContaining({
        failure_type: 'transient_error',
        message: `POST of 1 users record(s): cannot reach http://127.0.0.1:${port}: ECONNREFUSED (2 attempts)`,
      }),
    ]);
    expect(JSON.stringify(result.errors)).not.toContain('token=abc');
  });
});

describe('check', () => {
  it('POSTs an empty signed batch', async () => {
    const { receiver, run } = await setUp({ secret: 's3cret-value' }, { signing_secret: 's3cret-value' });
    const result = await run('check');
    expect(result.connectionStatus).toEqual({
      status: 'SUCCEEDED',
      message: `${receiver.url} accepted an empty batch`,
    });
    expect(receiver.requests[0]!.body).toEqual({ check: true, records: [] });
    expect(receiver.accepted()).toEqual([]);
  });

  it('fails when the endpoint refuses the credentials', async () => {
    const { run } = await setUp({ secret: 's3cret-value' });
    const result = await run('check');
    expect(result.connectionStatus?.status).toBe('FAILED');
    expect(result.connectionStatus?.message).toMatch(/HTTP 401/);
  });
});
