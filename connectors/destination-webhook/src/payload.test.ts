import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, webhookBody } from './payload.js';

describe('webhookBody', () => {
  it('carries the stream, namespace, behaviour and each record as operation, key and data', () => {
    const body = webhookBody(
      {
        stream: { name: 'users', namespace: 'crm', json_schema: {}, supported_sync_modes: ['full_refresh'] },
        sync_mode: 'full_refresh',
        destination_sync_mode: 'append',
        behaviour: 'insert',
      },
      [{ operation: 'upsert', key: {}, data: { id: 1 } }],
    );
    expect(JSON.parse(body)).toEqual({
      stream: 'users',
      namespace: 'crm',
      behaviour: 'insert',
      records: [{ operation: 'upsert', key: {}, data: { id: 1 } }],
    });
  });
});

describe('signBody', () => {
  it('is sha256= and the hex HMAC-SHA256 of the exact body', () => {
    const body = '{"records":[]}';
    expect(signBody('k', body)).toBe(`sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
  });
});
