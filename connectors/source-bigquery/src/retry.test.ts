import { describe, expect, it } from 'vitest';
import { TransientError } from '@backflow/protocol/connector';
import { retryAfterMs } from './api-error.js';
import { withRetries, DEFAULT_RETRY_POLICY } from './retry.js';

function apiError(code: number, reason: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error(reason), { code, errors: [{ reason }], response: { headers } });
}

describe('withRetries', () => {
  const policy = (waits: number[]) => ({
    ...DEFAULT_RETRY_POLICY,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  });

  it('retries 429, 5xx and rate-limit reasons, honouring Retry-After', async () => {
    const waits: number[] = [];
    const failures = [
      apiError(429, 'rateLimitExceeded', { 'retry-after': '2' }),
      apiError(403, 'rateLimitExceeded'),
      apiError(502, 'backendError'),
    ];
    const result = await withRetries(async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      return 'done';
    }, policy(waits));
    expect(result).toBe('done');
    expect(waits[0]).toBe(2000);
    expect(waits).toHaveLength(3);
  });

  it('does not retry what another attempt cannot fix', async () => {
    for (const error of [
      apiError(404, 'notFound'),
      apiError(403, 'accessDenied'),
      apiError(400, 'invalidQuery'),
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    ]) {
      const waits: number[] = [];
      let attempts = 0;
      await expect(
        withRetries(async () => {
          attempts++;
          throw error;
        }, policy(waits)),
      ).rejects.toBe(error);
      expect(attempts).toBe(1);
    }
  });

  it('gives up at once when Retry-After is longer than it may wait', async () => {
    const waits: number[] = [];
    await expect(
      withRetries(async () => {
        throw apiError(429, 'rateLimitExceeded', { 'retry-after': '86400' });
      }, policy(waits)),
    ).rejects.toBeInstanceOf(TransientError);
    expect(waits).toEqual([]);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, from plain headers or a Headers object', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});
