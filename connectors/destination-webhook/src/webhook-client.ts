import { ConfigError, TransientError, redact, type Logger } from '@backflow/protocol/connector';
import { backoffMs, retryAfterMs } from '@backflow/protocol/connector';
import { signBody } from './payload.js';
import type { Settings } from './settings.js';
import type { Timing } from '@backflow/protocol/connector';

/** The endpoint refused a batch for its content (a 4xx other than auth, routing and rate limits). */
export class BatchRefused extends Error {
  constructor(
    readonly status: number,
    /** The endpoint's reason, from its JSON body (`reason`, `message`, `error`) or its text. */
    readonly reason: string,
  ) {
    super(`HTTP ${status}: ${reason}`);
    this.name = 'BatchRefused';
  }
}

// Auth, routing and method errors are the config's fault: splitting the batch cannot help.
const CONFIG_STATUSES = new Set([401, 403, 404, 405, 407, 410]);
// Not Implemented and HTTP Version Not Supported will not pass by retrying.
const PERMANENT_SERVER_STATUSES = new Set([501, 505]);
const RETRYABLE_CLIENT_STATUSES = new Set([408, 425, 429]);
const MAX_REASON_LENGTH = 500;
/** A `Retry-After` longer than this fails the sync (transient) instead of holding it open. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

export interface WebhookClientOptions {
  readonly settings: Settings;
  readonly timing: Timing;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * POSTs bodies to the endpoint with Node's fetch: signs them, times each attempt out, retries
 * 408/425/429/5xx, timeouts and network errors with exponential backoff and jitter (or as
 * `Retry-After` says), and classifies the rest: BatchRefused for content, ConfigError for
 * auth and routing.
 */
export class WebhookClient {
  constructor(private readonly options: WebhookClientOptions) {}

  async post(body: string, what: string): Promise<void> {
    const { settings, timing, logger, signal } = this.options;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(body);
      if (outcome.ok) return;
      const exhausted = attempt > settings.maxRetries;
      if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > MAX_RETRY_AFTER_MS) {
        throw new TransientError(
          `${what}: ${outcome.problem}; the endpoint asks to retry in ${Math.round(outcome.retryAfterMs / 1000)} s`,
          {
            retryAfterMs: outcome.retryAfterMs,
          },
        );
      }
      if (exhausted) throw new TransientError(`${what}: ${outcome.problem} (${attempt} attempts)`);
      const wait = outcome.retryAfterMs ?? backoffMs(attempt, timing.random());
      logger.warn('%s: %s; retry %d of %d in %d ms', what, outcome.problem, attempt, settings.maxRetries, wait);
      await timing.sleep(wait, signal);
    }
  }

  /**
   * Proves the endpoint answers HTTP with the configured headers, sending no body (a HEAD,
   * signed as an empty body): any answer but 401/403 passes, as many endpoints refuse HEAD
   * yet accept POST.
   */
  async reach(): Promise<void> {
    const { settings, signal } = this.options;
    const headers = this.headers();
    if (settings.signingSecret !== undefined) headers[settings.signatureHeader] = signBody(settings.signingSecret, '');
    let response: Response;
    try {
      response = await fetch(settings.url, {
        method: 'HEAD',
        headers,
        signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
      });
    } catch (error) {
      throw new ConfigError(`cannot reach ${origin(settings.url)}: ${causeOf(error)}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new ConfigError(
        `${origin(settings.url)} refused the request with HTTP ${response.status} (check secret_headers)`,
      );
    }
  }

  /** One request: ok, a retryable problem, or a thrown classification. */
  private async attempt(
    body: string,
  ): Promise<{ ok: true } | { ok: false; problem: string; retryAfterMs: number | undefined }> {
    const { settings, timing, signal } = this.options;
    const headers = this.headers();
    headers['content-type'] = 'application/json';
    if (settings.signingSecret !== undefined)
      headers[settings.signatureHeader] = signBody(settings.signingSecret, body);
    let response: Response;
    try {
      response = await fetch(settings.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      const problem = timedOut
        ? `no answer within ${settings.timeoutMs / 1000} s`
        : `cannot reach ${origin(settings.url)}: ${causeOf(error)}`;
      return { ok: false, problem, retryAfterMs: undefined };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return { ok: true };
    const status = response.status;
    // Rejection reasons travel in STATE messages, which the SDK does not scrub: an endpoint
    // echoing the request's headers must not leak the credentials into them.
    const reason = redact(reasonOf(text, response.statusText), settings.secrets);
    if (RETRYABLE_CLIENT_STATUSES.has(status) || (status >= 500 && !PERMANENT_SERVER_STATUSES.has(status))) {
      return {
        ok: false,
        problem: `HTTP ${status}: ${reason}`,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after') ?? undefined, timing.now()),
      };
    }
    if (CONFIG_STATUSES.has(status) || status >= 500) {
      const hint = status === 401 || status === 403 ? ' (check secret_headers and signing_secret)' : '';
      throw new ConfigError(`${origin(settings.url)} refused the request with HTTP ${status}${hint}: ${reason}`);
    }
    throw new BatchRefused(status, reason);
  }
  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': 'backflow-destination-webhook' };
    for (const [name, value] of Object.entries(this.options.settings.headers)) headers[name.toLowerCase()] = value;
    return headers;
  }
}

function reasonOf(text: string, statusText: string): string {
  let reason = text.trim();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const found = [
      body.reason,
      body.message,
      body.error,
      (body.error as Record<string, unknown> | undefined)?.message,
    ].find((value): value is string => typeof value === 'string' && value !== '');
    if (found) reason = found;
  } catch {
    // not JSON: the text itself is the reason
  }
  if (reason === '') reason = statusText || 'no reason given';
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
}

// The URL's path and query may carry tokens; messages name only scheme, host and port.
function origin(url: string): string {
  return new URL(url).origin;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
