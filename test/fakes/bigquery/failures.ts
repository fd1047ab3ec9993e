import { GoogleApiError } from './errors.js';

/** A failure to inject into upcoming API calls, to exercise retries. */
export interface InjectedFailure {
  /** Method to fail, e.g. `jobs.getQueryResults`; any API method when omitted. */
  method?: string;
  /** HTTP status; 503 when omitted. */
  status?: number;
  /** Google error reason; the usual one for the status when omitted. */
  reason?: string;
  message?: string;
  /** How many matching calls fail; 1 when omitted. */
  times?: number;
  /** Sends `Retry-After` with this many seconds. */
  retryAfterSeconds?: number;
  /**
   * Carries the call out before failing it, as when a response is lost on the way back:
   * a retried jobs.insert then meets its own job (409 duplicate).
   */
  afterEffect?: boolean;
}

// What BigQuery sends for each status, from its documented error table.
const DEFAULTS: Record<number, { reason: string; message: string }> = {
  403: {
    reason: 'rateLimitExceeded',
    message:
      'Exceeded rate limits: too many api requests per user per method for this user_method. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
  },
  429: {
    reason: 'rateLimitExceeded',
    message:
      'Exceeded rate limits: too many api requests per user per method for this user_method. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
  },
  500: { reason: 'internalError', message: 'An internal error occurred and the request could not be completed.' },
  502: { reason: 'backendError', message: 'Backend error. The service is currently unavailable.' },
  503: { reason: 'backendError', message: 'Error encountered during execution. Retrying may solve the problem.' },
};

/** Queue of injected failures, matched in order against incoming calls. */
export class FailureQueue {
  private readonly pending: (InjectedFailure & { remaining: number })[] = [];

  add(failure: InjectedFailure): void {
    const remaining = failure.times ?? 1;
    if (remaining > 0) this.pending.push({ ...failure, remaining });
  }

  /** Takes the failure that applies to this call, if any. */
  take(method: string): (InjectedFailure & { error: GoogleApiError }) | undefined {
    const index = this.pending.findIndex((failure) => failure.method === undefined || failure.method === method);
    if (index === -1) return undefined;
    const failure = this.pending[index] as InjectedFailure & { remaining: number };
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.pending.splice(index, 1);
    const status = failure.status ?? 503;
    const defaults = DEFAULTS[status] ?? { reason: 'backendError', message: 'Backend error.' };
    const headers: Record<string, string> =
      failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
    return {
      ...failure,
      error: new GoogleApiError(status, failure.reason ?? defaults.reason, failure.message ?? defaults.message, {
        headers,
      }),
    };
  }
}
