import { describe, expect, it } from 'vitest';
import { backoffMs, retryAfterMs } from './backoff.js';

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Wed, 01 Jan 2025 12:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('doubles per attempt, half fixed and half jitter, up to the cap', () => {
    expect([1, 2, 3].map((attempt) => backoffMs(attempt, 0))).toEqual([250, 500, 1000]);
    expect([1, 2, 3].map((attempt) => backoffMs(attempt, 1))).toEqual([500, 1000, 2000]);
    expect(backoffMs(20, 1)).toBe(30_000);
  });
});
