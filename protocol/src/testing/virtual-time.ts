import type { Timing } from '../connector/timing.js';

/** A virtual clock for connector tests: sleeping advances it instantly, and every sleep is recorded. */
export interface VirtualTime {
  readonly timing: Timing;
  now(): number;
  /** Moves the clock to `ms`, e.g. to give records chosen timestamps. */
  set(ms: number): void;
  readonly sleeps: number[];
}

/** A virtual clock starting at `start`; jitter is always 0.5, so backoff delays are exact. */
export function virtualTime(start = Date.UTC(2025, 0, 15, 12)): VirtualTime {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    timing: {
      now: () => now,
      // Sleeps end at a deadline, so sleeps that overlap (concurrent requests waiting for one
      // window) advance the clock once, not once each.
      sleep: async (ms) => {
        sleeps.push(ms);
        const deadline = now + ms;
        await Promise.resolve();
        now = Math.max(now, deadline);
      },
      random: () => 0.5,
    },
  };
}
