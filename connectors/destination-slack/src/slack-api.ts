import { ConfigError, TransientError, backoffMs, type Logger, type Timing } from '@backflow/protocol/connector';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { Pacer } from './pacer.js';
import { OutcomeUnknown, SlackCallError, handlingOf } from './slack-errors.js';

export interface SlackApiOptions {
  readonly token: string;
  readonly apiUrl: string;
  readonly timing: Timing;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly maxRetries: number;
  /** Paces chat.postMessage per channel. */
  readonly posts: Pacer;
}

/** Calls that must not simply be repeated when their outcome is unknown: they create a message. */
const NOT_IDEMPOTENT = new Set(['chat.postMessage']);
const TIMEOUT_MS = 30_000;

/**
 * Every Slack call goes through here, with `@slack/web-api` doing the HTTP: its own retries
 * and rate-limit sleeps are off (they sleep on the real clock), and this class retries 429
 * as `Retry-After` says, and `ratelimited`, `internal_error`, 5xx and network errors with
 * backoff; turns token errors into ConfigError and other `ok: false` answers into
 * SlackCallError for the record at hand; and reports a post whose outcome is unknown as
 * OutcomeUnknown instead of retrying it blindly.
 */
export class SlackApi {
  private readonly client: WebClient;

  constructor(private readonly options: SlackApiOptions) {
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: TIMEOUT_MS,
      logger: quietLogger(options.logger),
    });
  }

  /** Calls `method`; `channel` (for chat.postMessage) selects the pace of that channel. */
  async call<T extends object>(method: string, args: Record<string, unknown>, channel?: string): Promise<T> {
    const { timing, signal, maxRetries, logger, posts } = this.options;
    for (let attempt = 1; ; attempt++) {
      if (channel !== undefined) await posts.wait(channel, signal);
      let wait: number;
      let problem: string;
      try {
        return (await this.client.apiCall(method, args)) as unknown as T;
      } catch (error) {
        if (signal.aborted) throw error;
        const code = (error as { code?: unknown }).code;
        if (code === ErrorCode.RateLimitedError) {
          wait = (error as { retryAfter: number }).retryAfter * 1000;
          problem = `HTTP 429, Retry-After ${wait / 1000} s`;
          if (channel !== undefined) posts.defer(channel, wait);
        } else if (code === ErrorCode.PlatformError) {
          const data = (
            error as { data: { error: string; needed?: string; response_metadata?: { messages?: string[] } } }
          ).data;
          const handling = handlingOf(data.error);
          if (handling === 'config') throw configError(method, data.error, data.needed);
          if (handling === 'record') throw new SlackCallError(method, data.error, data.response_metadata?.messages);
          wait = backoffMs(attempt, timing.random(), 1000);
          problem = `Slack answered ${data.error}`;
        } else if (code === ErrorCode.HTTPError || code === ErrorCode.RequestError) {
          const status = (error as { statusCode?: number }).statusCode;
          if (status !== undefined && status < 500)
            throw new TransientError(`${method}: Slack answered HTTP ${status}`);
          if (NOT_IDEMPOTENT.has(method)) throw new OutcomeUnknown(method, error);
          wait = backoffMs(attempt, timing.random(), 1000);
          problem = status !== undefined ? `HTTP ${status}` : `no answer (${(error as Error).message})`;
        } else {
          throw error;
        }
      }
      if (attempt > maxRetries)
        throw new TransientError(`${method}: ${problem} after ${attempt} attempts`, { retryAfterMs: wait });
      logger.warn('%s: %s; retry %d of %d in %d ms', method, problem, attempt, maxRetries, wait);
      await timing.sleep(wait, signal);
    }
  }
}

function configError(method: string, error: string, needed: string | undefined): ConfigError {
  const hint =
    error === 'missing_scope'
      ? `: add the ${needed ?? 'missing'} scope to the app and reinstall it`
      : ': check config.bot_token';
  return new ConfigError(`Slack refused ${method} with ${error}${hint}`);
}

/**
 * The WebClient logs on the console by default, which would corrupt the protocol on stdout;
 * its messages go to the connector's debug log instead (it redacts the token itself).
 */
function quietLogger(logger: Logger) {
  const debug = (...msg: unknown[]) => logger.debug('slack web-api: %s', msg.map(String).join(' '));
  return {
    debug,
    info: debug,
    warn: debug,
    error: debug,
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}
