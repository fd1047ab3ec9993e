import { afterEach, describe, expect, test } from 'vitest';

import { signWebhookBody, startWebhookReceiver } from './webhook/index.js';
import type { WebhookReceiver, WebhookReceiverOptions } from './webhook/index.js';

const receivers: WebhookReceiver[] = [];

async function start(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver(options);
  receivers.push(receiver);
  return receiver;
}

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

function send(receiver: WebhookReceiver, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${receiver.url}/hook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('webhook receiver', () => {
  test('records every POST with headers and parsed body, and the accepted records', async () => {
    const receiver = await start();
    const response = await send(receiver, { records: [{ id: 1 }, { id: 2 }] }, { 'X-Batch': 'b1' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, received: 2 });
    await send(receiver, [{ id: 3 }]);
    expect(receiver.requests[0]).toMatchObject({
      method: 'POST',
      path: '/hook',
      status: 200,
      body: { records: [{ id: 1 }, { id: 2 }] },
    });
    expect(receiver.requests[0]?.headers['x-batch']).toBe('b1');
    expect(receiver.accepted()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(receiver.calls.total).toBe(2);
  });

  test('with a secret, only bodies signed with HMAC-SHA256 of the raw body are accepted', async () => {
    const receiver = await start({ secret: 's3cret' });
    const body = JSON.stringify([{ id: 1 }]);
    expect((await send(receiver, body)).status).toBe(401);
    expect((await send(receiver, body, { 'X-Backflow-Signature': signWebhookBody('wrong', body) })).status).toBe(401);
    const tampered = JSON.stringify([{ id: 2 }]);
    expect((await send(receiver, tampered, { 'X-Backflow-Signature': signWebhookBody('s3cret', body) })).status).toBe(
      401,
    );
    expect((await send(receiver, body, { 'X-Backflow-Signature': signWebhookBody('s3cret', body) })).status).toBe(200);
    expect(receiver.accepted()).toEqual([{ id: 1 }]);
    expect(receiver.calls.byStatus()).toEqual({ 401: 3, 200: 1 });
  });

  test('failNext answers the given status with Retry-After, then recovers', async () => {
    const receiver = await start();
    receiver.failNext({ status: 503, times: 2, retryAfter: 5 });
    const first = await send(receiver, [{ id: 1 }]);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect((await send(receiver, [{ id: 1 }])).status).toBe(503);
    expect((await send(receiver, [{ id: 1 }])).status).toBe(200);
    expect(receiver.accepted()).toEqual([{ id: 1 }]);
  });

  test('a batch holding a matching record is rejected whole with a JSON reason', async () => {
    const receiver = await start({
      failWith: {
        status: 422,
        when: (r) => (r as { email?: string }).email === 'bad',
        reason: (r) => `bad email on ${(r as { id: number }).id}`,
      },
    });
    const rejected = await send(receiver, [
      { id: 1, email: 'ok' },
      { id: 2, email: 'bad' },
    ]);
    expect(rejected.status).toBe(422);
    expect(await rejected.json()).toEqual({
      error: 'rejected',
      reason: 'bad email on 2',
      index: 1,
      record: { id: 2, email: 'bad' },
    });
    expect(receiver.accepted()).toEqual([]);
    receiver.rejectWhen(undefined);
    expect((await send(receiver, [{ id: 2, email: 'bad' }])).status).toBe(200);
  });

  test('non-JSON bodies get 400 and other methods 405', async () => {
    const receiver = await start();
    expect((await send(receiver, 'not json')).status).toBe(400);
    expect((await fetch(receiver.url, { method: 'GET' })).status).toBe(405);
    expect(receiver.calls.total).toBe(2);
  });
});
