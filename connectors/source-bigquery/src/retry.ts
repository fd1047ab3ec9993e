import { TransientError } from '@backflow/protocol/connector';
import { errorFacts } from './api-error.js';
import { isRetryable } from './errors.js';

/** How calls are retried; tests shorten the waits by injecting `sleep`. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the run fails with a TransientError instead. */
  readonly maxRetryAfterMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 32_000,
  maxRetryAfterMs: 10 * 60_000,
  sleep: abortableSleep,
};

/**
 * Runs `call`, again after 429, 5xx, rate-limit reasons and dropped connections: after the
 * answer's Retry-After when it has one, else with exponential backoff and full jitter.
 * Other errors, and the last one, are thrown as they are.
 */
export async function withRetries<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const facts = errorFacts(error);
      if (attempt >= policy.maxAttempts || !isRetryable(facts) || signal?.aborted) throw error;
      if (facts.retryAfterMs !== undefined && facts.retryAfterMs > policy.maxRetryAfterMs) {
        throw new TransientError(`BigQuery asked to wait ${Math.ceil(facts.retryAfterMs / 1000)} s: ${facts.message}`, {
          cause: error,
          retryAfterMs: facts.retryAfterMs,
        });
      }
      const backoff = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await policy.sleep(facts.retryAfterMs ?? backoff, signal);
    }
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
