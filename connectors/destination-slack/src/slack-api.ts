import { ConfigError, TransientError, backoffMs, type Logger, type Timing } from '@backflow/protocol/connector';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { Pacer } from './pacer.js';
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

/**
 * Calls per minute of each method's tier (docs.slack.dev/apis/web-api/rate-limits), spread
 * evenly so a long run of edits or history pages never meets a 429; chat.postMessage is
 * paced per channel instead.
 */
export const TIER_PER_MINUTE: Readonly<Record<string, number>> = {
  'auth.test': 100,
  'chat.update': 50,
  'chat.delete': 50,
  'conversations.history': 50,
  'conversations.info': 50,
  'conversations.list': 20,
  'users.lookupByEmail': 50,
};

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
  private readonly tiers = new Map<string, Pacer>();

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
    const pacer = channel !== undefined ? posts : this.tierPacer(method);
    const key = channel ?? method;
    for (let attempt = 1; ; attempt++) {
      await pacer?.wait(key, signal);
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
          pacer?.defer(key, wait);
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

  private tierPacer(method: string): Pacer | undefined {
    const perMinute = TIER_PER_MINUTE[method];
    if (perMinute === undefined) return undefined;
    let pacer = this.tiers.get(method);
    if (!pacer) {
      pacer = new Pacer(60_000 / perMinute, this.options.timing);
      this.tiers.set(method, pacer);
    }
    return pacer;
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
