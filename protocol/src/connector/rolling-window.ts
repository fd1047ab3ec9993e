import type { Timing } from './timing.js';

/** A claimed request slot; `done()` marks when the request's answer arrived. */
export interface Slot {
  done(): void;
}

/**
 * Client-side pacing for a rolling rate limit ("at most `max` requests in any `windowMs`"),
 * the way HubSpot counts its TEN_SECONDLY_ROLLING policy (and, as a rolling minute, never over any of Google's fixed per-minute buckets): a log of recent request times, and
 * a request waits until the oldest one leaves the window. A slot counts from when the answer
 * arrived, not when the request left: the server counted it somewhere in between, so this
 * never undercounts however long requests take. (Bottleneck's reservoir refills on a fixed
 * interval, which lets two full reservoirs straddle one rolling window, and it cannot run
 * on an injected clock.)
 */
export class RollingWindow {
  /** Request times; `at` is undefined while the answer is awaited, and such a slot never expires. */
  private readonly slots: { at: number | undefined }[] = [];
  private answered: (() => void)[] = [];
  private heldUntil = 0;

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly timing: Timing,
  ) {}

  /**
   * Lets no request start before `at` (epoch ms): a 429's `Retry-After` speaks to the whole
   * client, so requests in flight beside the refused one must not carry on into the limit.
   */
  holdUntil(at: number): void {
    this.heldUntil = Math.max(this.heldUntil, at);
  }

  /** Waits until one more request fits in the window (and no hold applies), then claims it. */
  async acquire(signal?: AbortSignal): Promise<Slot> {
    for (;;) {
      const now = this.timing.now();
      if (now < this.heldUntil) {
        await this.timing.sleep(this.heldUntil - now, signal);
        continue;
      }
      this.expire(now);
      if (this.slots.length < this.max) {
        const slot: { at: number | undefined } = { at: undefined };
        this.slots.push(slot);
        return {
          done: () => {
            slot.at ??= this.timing.now();
            for (const wake of this.answered.splice(0)) wake();
          },
        };
      }
      // A slot frees when the oldest answered one leaves the window; while every slot is in
      // flight, no time can be known until an answer arrives.
      const times = this.slots.flatMap((slot) => (slot.at === undefined ? [] : [slot.at]));
      if (times.length > 0) await this.timing.sleep(Math.max(1, Math.min(...times) + this.windowMs - now), signal);
      else await new Promise<void>((wake) => this.answered.push(wake));
    }
  }

  private expire(now: number): void {
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const at = this.slots[i]!.at;
      if (at !== undefined && at <= now - this.windowMs) this.slots.splice(i, 1);
    }
  }
}
