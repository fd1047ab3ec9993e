import { ConfigError, TransientError, backoffMs, type Logger, type Timing } from '@backflow/protocol/connector';
import { SalesforceApiError } from './api-error.js';

export interface RequestGateOptions {
  readonly timing: Timing;
  /** Retries of one request after REQUEST_LIMIT_EXCEEDED, a 5xx or a network error. */
  readonly maxRetries: number;
  readonly logger: Logger;
  /** Gets a new access token (after 401 INVALID_SESSION_ID). */
  readonly renewSession: () => Promise<void>;
  readonly signal?: AbortSignal;
}

/** Error codes of a whole request that a later attempt may not meet. */
const RETRYABLE = new Set([
  'REQUEST_LIMIT_EXCEEDED',
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'UNABLE_TO_LOCK_ROW',
  'QUERY_TIMEOUT',
]);

/**
 * Every Salesforce request goes through here: a 401 INVALID_SESSION_ID gets a new token and
 * one more try (a second 401 is a ConfigError); REQUEST_LIMIT_EXCEEDED, 5xx and network
 * errors are retried with exponential backoff on the injected clock; anything else becomes a
 * SalesforceApiError carrying Salesforce's `errorCode` and message.
 */
export class RequestGate {
  constructor(private readonly options: RequestGateOptions) {}

  /** Sends one request; `what` names it in logs and errors (`sObject Collections upsert of 200 Contact`). */
  async send<T>(what: string, request: () => Promise<T>): Promise<T> {
    const { timing, signal, logger, maxRetries } = this.options;
    let renewed = false;
    for (let attempt = 1; ;) {
      let failure: unknown;
      try {
        return await request();
      } catch (error) {
        failure = error;
      }
      if (signal?.aborted) throw failure;
      const code = errorCodeOf(failure);
      if (code === 'INVALID_SESSION_ID') {
        if (renewed)
          throw new ConfigError(
            `${what}: Salesforce refused a freshly issued access token (INVALID_SESSION_ID); check the connected app's policies and the user's API access`,
          );
        renewed = true;
        logger.info('%s: the session expired (INVALID_SESSION_ID); getting a new access token', what);
        await this.options.renewSession();
        continue;
      }
      if (!isRetryable(failure, code)) throw SalesforceApiError.from(what, failure);
      if (attempt > maxRetries) {
        const said = messageOf(failure);
        throw new TransientError(
          code === 'REQUEST_LIMIT_EXCEEDED'
            ? `${what}: Salesforce still refuses requests after ${maxRetries} retries (REQUEST_LIMIT_EXCEEDED: ${said}); the org's daily API request allowance or concurrent request limit is used up`
            : `${what}: Salesforce failed ${attempt} times: ${said}`,
        );
      }
      const wait = backoffMs(attempt, timing.random());
      logger.warn('%s: %s; retry %d of %d in %d ms', what, messageOf(failure), attempt, maxRetries, wait);
      await timing.sleep(wait, signal);
      attempt++;
    }
  }
}

/** Salesforce's `errorCode` on a jsforce error (`ERROR_HTTP_503` when the body had none). */
export function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { errorCode?: unknown } | null)?.errorCode;
  return typeof code === 'string' ? code : undefined;
}

function isRetryable(error: unknown, code: string | undefined): boolean {
  if (code !== undefined) return RETRYABLE.has(code) || /^ERROR_HTTP_5\d\d$/.test(code);
  // node-fetch's FetchError for refused, reset or timed-out connections.
  if (!(error instanceof Error)) return false;
  const { type, code: systemCode } = error as Error & { type?: string; code?: unknown };
  return (
    type === 'system' || error.name === 'FetchError' || (typeof systemCode === 'string' && /^E[A-Z]+/.test(systemCode))
  );
}

function messageOf(error: unknown): string {
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}
