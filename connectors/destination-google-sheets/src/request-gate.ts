import {
  backoffMs,
  ConfigError,
  retryAfterMs,
  sendPaced,
  TransientError,
  type Logger,
  type RollingWindow,
  type Timing,
} from '@backflow/protocol/connector';

export type RequestKind = 'read' | 'write';

/** Google's v4 error body. */
interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string } | string;
  error_description?: string;
}

/** What gaxios throws for a non-2xx answer or a failed connection. */
interface GaxiosLike {
  message: string;
  code?: unknown;
  status?: number;
  response?: { status: number; data?: unknown; headers?: unknown };
}

/** A 400 from the Sheets API: the request was refused for its content, with Google's reason. */
export class SheetsRequestError extends Error {
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(`${what}: Google Sheets answered 400 INVALID_ARGUMENT: ${reason}`);
    this.name = 'SheetsRequestError';
  }
}

export interface RequestGateOptions {
  readonly windows: Record<RequestKind, RollingWindow>;
  readonly timing: Timing;
  readonly maxRetries: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** Names the spreadsheet in errors. */
  readonly spreadsheetId: string;
}

function statusOf(error: GaxiosLike): number | undefined {
  return error.response?.status ?? error.status;
}

function header(error: GaxiosLike, name: string): string | undefined {
  const headers = error.response?.headers;
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | undefined>;
  return record[name] ?? record[name.toLowerCase()];
}

function bodyOf(error: GaxiosLike): GoogleErrorBody {
  const data = error.response?.data;
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as GoogleErrorBody;
    } catch {
      return {};
    }
  }
  return (data ?? {}) as GoogleErrorBody;
}

/** Google's reason: the API's `error.message`, or the token endpoint's `error: error_description`. */
function reasonOf(error: GaxiosLike): string {
  const body = bodyOf(error);
  if (typeof body.error === 'string')
    return `${body.error}${body.error_description ? ` (${body.error_description})` : ''}`;
  return body.error?.message ?? error.message;
}

function isTokenEndpointError(error: GaxiosLike): boolean {
  return typeof bodyOf(error).error === 'string';
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as GaxiosLike;
  return statusOf(error as GaxiosLike) === undefined && typeof code === 'string' && /^(E[A-Z]+|UND_ERR)/.test(code);
}

/**
 * Every Sheets request goes through here: paced by the read or write window so steady state
 * stays under Google's per-minute quotas, retried on 429 and 5xx (Google sends no
 * Retry-After and asks for truncated exponential backoff, 1 s doubling to 64 s, with jitter)
 * and on network errors, and turned into typed errors otherwise: credentials and access are
 * config errors, a 400 is a SheetsRequestError for the caller to pin on records.
 */
export class RequestGate {
  constructor(private readonly options: RequestGateOptions) {}

  async send<T>(kind: RequestKind, what: string, request: () => Promise<T>): Promise<T> {
    return sendPaced({ ...this.options, window: this.options.windows[kind] }, what, request, {
      retryDelay: (failure, attempt) => this.retryDelay(what, failure, attempt),
      describe: summary,
    });
  }

  /** How long to wait before retrying, or throws the error to fail with. */
  private retryDelay(what: string, failure: unknown, attempt: number): number {
    const { timing, maxRetries, spreadsheetId } = this.options;
    const exhausted = attempt > maxRetries;
    const backoff = (): number => backoffMs(attempt, timing.random(), 1000, 64_000);
    if (isNetworkError(failure)) {
      if (exhausted)
        throw new TransientError(
          `${what}: cannot reach Google after ${attempt} attempts: ${(failure as Error).message}`,
        );
      return backoff();
    }
    const error = failure as GaxiosLike;
    const status = failure instanceof Error ? statusOf(error) : undefined;
    if (status === undefined) throw failure;
    const reason = reasonOf(error);
    if (status === 429 || status >= 500) {
      if (exhausted) {
        throw new TransientError(
          status === 429
            ? `${what}: still over Google's Sheets quota after ${maxRetries} retries (${reason}); lower write_requests_per_minute if other tools share the quota`
            : `${what}: Google answered ${status} ${attempt} times: ${reason}`,
        );
      }
      return retryAfterMs(header(error, 'retry-after'), timing.now()) ?? backoff();
    }
    if (isTokenEndpointError(error)) {
      throw new ConfigError(`credentials: Google's token endpoint refused them: ${reason}`);
    }
    if (status === 401) throw new ConfigError(`${what}: Google refused the access token: ${reason}`);
    if (status === 403) {
      throw new ConfigError(
        `${what}: ${reason}. Share spreadsheet ${spreadsheetId} as Editor with the service account's e-mail (or the OAuth user), and grant the spreadsheets scope`,
      );
    }
    if (status === 404) {
      throw new ConfigError(
        `${what}: spreadsheet_id ${spreadsheetId} was not found (${reason}); check the ID and that it is shared`,
      );
    }
    if (status === 400) throw new SheetsRequestError(what, reason);
    throw new TransientError(`${what}: Google answered ${status}: ${reason}`);
  }
}

function summary(failure: unknown): string {
  if (failure instanceof Error && statusOf(failure as GaxiosLike) !== undefined) {
    return `Google answered ${statusOf(failure as GaxiosLike)} ${reasonOf(failure as GaxiosLike)}`;
  }
  return failure instanceof Error ? failure.message : String(failure);
}
