import type { Timing } from '@backflow/protocol/connector';

const MINUTE_MS = 60_000;

/**
 * Pacing for Zendesk's per-minute account limit. Zendesk counts requests per minute and says
 * in each answer how many are left (`X-Rate-Limit-Remaining`, or `ratelimit-remaining` with
 * `ratelimit-reset` seconds on newer endpoints): when none are left this waits for the reset
 * instead of earning a 429. It also counts locally, so a configured budget below the account
 * limit (room for other integrations) holds even when headers are absent.
 */
export class MinuteBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private sent = 0;
  private remaining: number | undefined;
  private resetAt = 0;

  constructor(
    readonly perMinute: number,
    private readonly timing: Timing,
  ) {}

  /** Waits until one more request fits, then counts it. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.timing.now();
      if (now >= this.windowStart + MINUTE_MS) {
        this.windowStart = now;
        this.sent = 0;
      }
      if (this.remaining !== undefined && now >= this.resetAt) this.remaining = undefined;
      const serverWait = this.remaining !== undefined && this.remaining <= 0 ? this.resetAt - now : 0;
      const localWait = this.sent >= this.perMinute ? this.windowStart + MINUTE_MS - now : 0;
      const wait = Math.max(serverWait, localWait);
      if (wait <= 0) {
        this.sent++;
        if (this.remaining !== undefined) this.remaining--;
        return;
      }
      await this.timing.sleep(wait, signal);
    }
  }

  /** Reads the rate-limit headers of an answer. */
  observe(headers: Headers): void {
    const remaining = numberOf(headers.get('ratelimit-remaining') ?? headers.get('x-rate-limit-remaining'));
    if (remaining === undefined) return;
    const resetSeconds = numberOf(headers.get('ratelimit-reset'));
    const now = this.timing.now();
    // With requests in flight, answers arrive out of order and each counts only the requests
    // that reached Zendesk before it: within the minute, the lowest count left is the truest.
    const sameMinute = this.remaining !== undefined && now < this.resetAt;
    this.remaining = sameMinute ? Math.min(this.remaining!, remaining) : remaining;
    if (sameMinute) return;
    // Without `ratelimit-reset`, the account's minute ends at the latest a minute from now.
    this.resetAt = now + (resetSeconds !== undefined ? resetSeconds * 1000 : MINUTE_MS);
  }
}

function numberOf(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
