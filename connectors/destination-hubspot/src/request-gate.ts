import { TransientError, type Logger } from '@backflow/protocol/connector';
import { HubSpotApiError, type HubSpotErrorBody } from './api-error.js';
import { backoffMs, retryAfterMs, sendPaced } from '@backflow/protocol/connector';
import type { RollingWindow } from '@backflow/protocol/connector';
import type { Timing } from '@backflow/protocol/connector';

export interface RequestGateOptions {
  readonly window: RollingWindow;
  readonly timing: Timing;
  /** Retries of one request after a 429, a 5xx or a network error. */
  readonly maxRetries: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/** What `@hubspot/api-client` throws for a non-2xx answer (its `ApiException`). */
interface ApiException {
  code: number;
  body: unknown;
  headers: Record<string, string | undefined>;
}

/**
 * Every HubSpot request goes through here: paced by the rolling window so steady state
 * never meets a 429, retried on 429 (waiting as `Retry-After` says), 5xx and network errors,
 * and turned into typed errors otherwise. The SDK's own limiter and retries stay off: they
 * sleep on the real clock, and its retry ignores `Retry-After`.
 */
export class RequestGate {
  constructor(private readonly options: RequestGateOptions) {}

  /** Sends one request; `what` names it in logs and errors (`batch upsert of contacts`). */
  async send<T>(what: string, request: () => Promise<T>): Promise<T> {
    return sendPaced(this.options, what, request, {
      retryDelay: (failure, attempt) => this.retryDelay(what, failure, attempt),
      describe: summary,
      // A 429 speaks for the whole app's budget: concurrent requests wait out Retry-After too.
      holdsAll: (failure) => isApiException(failure) && failure.code === 429,
    });
  }

  /** How long to wait before retrying, or throws the error to fail with. */
  private retryDelay(what: string, failure: unknown, attempt: number): number {
    const { timing, maxRetries, window } = this.options;
    const exhausted = attempt > maxRetries;
    if (isApiException(failure)) {
      const body = (failure.body ?? {}) as HubSpotErrorBody;
      const status = failure.code;
      const asked = retryAfterMs(header(failure, 'retry-after'), timing.now());
      if (status === 429 && isDailyLimit(failure, body)) {
        const daily = header(failure, 'x-hubspot-ratelimit-daily');
        throw new TransientError(
          `${what}: HubSpot's daily API limit${daily ? ` (${daily} requests)` : ''} is used up; ` +
            'it resets at midnight in the account time zone, or raise it with an API limit increase',
          asked === undefined ? undefined : { retryAfterMs: asked },
        );
      }
      if (status === 429) {
        const policy = body.policyName ?? body.message ?? '429';
        if (exhausted)
          throw new TransientError(`${what}: still rate-limited by HubSpot after ${maxRetries} retries (${policy})`);
        return asked ?? window.windowMs;
      }
      if (status >= 500) {
        const said = body.message ?? 'no message';
        if (exhausted) throw new TransientError(`${what}: HubSpot answered ${status} ${attempt} times: ${said}`);
        return asked ?? backoffMs(attempt, timing.random());
      }
      throw new HubSpotApiError(status, body, what);
    }
    if (isNetworkError(failure)) {
      const cause = (failure as Error).message;
      if (exhausted) throw new TransientError(`${what}: cannot reach HubSpot after ${attempt} attempts: ${cause}`);
      return backoffMs(attempt, timing.random());
    }
    throw failure;
  }
}

function isApiException(error: unknown): error is ApiException {
  return (
    typeof error === 'object' && error !== null && typeof (error as ApiException).code === 'number' && 'body' in error
  );
}

// node-fetch's FetchError (type "system") for refused, reset or timed-out connections.
function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { type, code } = error as Error & { type?: string; code?: unknown };
  return type === 'system' || error.name === 'FetchError' || (typeof code === 'string' && /^E[A-Z]+/.test(code));
}

function isDailyLimit(error: ApiException, body: HubSpotErrorBody): boolean {
  return (
    body.policyName === 'DAILY' ||
    /daily limit/i.test(body.message ?? '') ||
    header(error, 'x-hubspot-ratelimit-daily-remaining') === '0'
  );
}

function header(error: ApiException, name: string): string | undefined {
  for (const [key, value] of Object.entries(error.headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

function summary(failure: unknown): string {
  if (isApiException(failure))
    return `HubSpot answered ${failure.code} ${((failure.body ?? {}) as HubSpotErrorBody).message ?? ''}`.trim();
  return failure instanceof Error ? failure.message : String(failure);
}
