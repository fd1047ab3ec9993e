import type { Timing } from '@backflow/protocol/connector';

/** The share of an interval added to each gap. */
export const ARRIVAL_MARGIN = 0.05;

/**
 * Spaces calls that share a key at least `intervalMs` apart on the injected clock: Slack
 * allows about one message per second per channel, so posts into one channel wait their
 * turn while posts into another go ahead.
 */
export class Pacer {
  private readonly next = new Map<string, number>();
  private readonly intervalMs: number;

  constructor(
    intervalMs: number,
    private readonly timing: Timing,
  ) {
    // Slack counts arrivals: two calls sent a full interval apart arrive closer when the first
    // was held up on its way (a busy event loop, a new connection), so each gap keeps a margin.
    this.intervalMs = intervalMs * (1 + ARRIVAL_MARGIN);
  }

  async wait(key: string, signal?: AbortSignal): Promise<void> {
    const now = this.timing.now();
    const at = this.next.get(key) ?? now;
    this.next.set(key, Math.max(at, now) + this.intervalMs);
    if (at <= now) return;
    await this.timing.sleep(at - now, signal);
    // A sleep that overshoots must not shorten the gap to the next call (Slack counts arrivals).
    const woke = this.timing.now();
    if (woke > at) this.next.set(key, Math.max(this.next.get(key) ?? 0, woke + this.intervalMs));
  }

  /** Pushes a key's next slot back, after Slack answered 429 with `Retry-After`. */
  defer(key: string, ms: number): void {
    this.next.set(key, Math.max(this.next.get(key) ?? 0, this.timing.now() + ms));
  }
}
