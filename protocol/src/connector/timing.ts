import { setTimeout as delay } from 'node:timers/promises';

/**
 * The clock, sleeps and randomness the connector uses. Injected so tests drive rate limits
 * and backoff on a virtual clock instead of sleeping for real.
 */
export interface Timing {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1), for backoff jitter. */
  random(): number;
}

export const systemTiming: Timing = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
  random: () => Math.random(),
};
