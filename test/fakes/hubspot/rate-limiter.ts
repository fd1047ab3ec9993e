import { randomUUID } from 'node:crypto';

import { HttpError } from './errors.js';

export interface RateLimitOptions {
  /** Requests allowed per rolling interval; HubSpot's private-app burst limit is 190 per 10 s. */
  max?: number;
  intervalMs?: number;
  /** Requests allowed per day (UTC); HubSpot's Professional tier allows 650,000. */
  daily?: number;
}

const DAY_MS = 86_400_000;

/**
 * HubSpot's two private-app limits: a rolling burst window (policy `TEN_SECONDLY_ROLLING`)
 * and a daily quota (policy `DAILY`). Refused requests do not consume either budget.
 */
export class RateLimiter {
  readonly max: number;
  readonly intervalMs: number;
  readonly daily: number;
  private readonly accepted: number[] = [];
  private day = -1;
  private usedToday = 0;

  constructor(
    options: RateLimitOptions,
    private readonly now: () => number,
  ) {
    this.max = options.max ?? 190;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.daily = options.daily ?? 650_000;
  }

  /** Takes one request from both budgets, or throws the 429 HubSpot answers. */
  take(): void {
    const now = this.now();
    this.roll(now);
    if (this.usedToday >= this.daily) {
      const retryAfter = Math.ceil(((this.day + 1) * DAY_MS - now) / 1000);
      throw tooManyRequests('You have reached your daily limit.', 'DAILY', retryAfter, this.headers());
    }
    if (this.accepted.length >= this.max) {
      const oldest = this.accepted[0] ?? now;
      const retryAfter = Math.max(1, Math.ceil((oldest + this.intervalMs - now) / 1000));
      throw tooManyRequests(
        'You have reached your ten_secondly_rolling limit.',
        'TEN_SECONDLY_ROLLING',
        retryAfter,
        this.headers(),
      );
    }
    this.accepted.push(now);
    this.usedToday += 1;
  }

  /** `X-HubSpot-RateLimit-*` headers describing the budgets after the current request. */
  headers(): Record<string, string> {
    this.roll(this.now());
    return {
      'X-HubSpot-RateLimit-Daily': String(this.daily),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, this.daily - this.usedToday)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.intervalMs),
      'X-HubSpot-RateLimit-Max': String(this.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, this.max - this.accepted.length)),
    };
  }

  private roll(now: number): void {
    while (this.accepted.length > 0 && (this.accepted[0] ?? now) <= now - this.intervalMs) this.accepted.shift();
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.usedToday = 0;
    }
  }
}

function tooManyRequests(
  message: string,
  policyName: string,
  retryAfterSeconds: number,
  headers: Record<string, string>,
): HttpError {
  const body = {
    status: 'error',
    message,
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName,
    requestId: randomUUID(),
  };
  return new HttpError(429, body, { ...headers, 'Retry-After': String(retryAfterSeconds) });
}
