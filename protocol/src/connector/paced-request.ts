import type { Logger } from './logger.js';
import type { RollingWindow } from './rolling-window.js';
import type { Timing } from './timing.js';

export interface PacedRequestOptions {
  readonly window: RollingWindow;
  readonly timing: Timing;
  readonly logger: Logger;
  readonly maxRetries: number;
  readonly signal?: AbortSignal;
}

/** How a destination's API client judges a failure: how long to wait before retrying (or throw to give up), and how to log it. */
export interface RetryPolicy {
  retryDelay(failure: unknown, attempt: number): number;
  describe(failure: unknown): string;
  /** Whether the failure asks the whole client to wait (a 429), so no other request starts during the retry delay. */
  holdsAll?(failure: unknown): boolean;
}

/**
 * Sends one API request in a slot of a rate-limit window, retrying while the policy says to:
 * the slot is held until the answer arrives, each retry is logged (`what: reason; retry n of
 * max in ms`) and waits on the injected clock; a failure the policy says holds all (a 429)
 * also holds the window, so concurrent requests wait with this one. Aborting the signal ends
 * the wait.
 */
export async function sendPaced<T>(
  options: PacedRequestOptions,
  what: string,
  request: () => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const { window, timing, signal, logger, maxRetries } = options;
  for (let attempt = 1; ; attempt++) {
    const slot = await window.acquire(signal);
    let failure: unknown;
    try {
      return await request();
    } catch (error) {
      failure = error;
    } finally {
      slot.done();
    }
    if (signal?.aborted) throw failure;
    const wait = policy.retryDelay(failure, attempt);
    logger.warn('%s: %s; retry %d of %d in %d ms', what, policy.describe(failure), attempt, maxRetries, wait);
    if (policy.holdsAll?.(failure)) window.holdUntil(timing.now() + wait);
    await timing.sleep(wait, signal);
  }
}
