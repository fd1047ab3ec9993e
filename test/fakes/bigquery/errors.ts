/** One entry of Google's `errors` array (BigQuery's ErrorProto plus the JSON envelope fields). */
export interface ErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

// google.rpc.Code names that Google's JSON error envelope reports next to the HTTP code.
const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
};

/** An API failure, rendered as Google's `{error: {code, message, errors, status}}` body. */
export class GoogleApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly location: string | undefined;
  readonly locationType: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: number,
    reason: string,
    message: string,
    extra: { location?: string; locationType?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.location = extra.location;
    this.locationType = extra.locationType;
    this.headers = extra.headers ?? {};
  }

  item(): ErrorItem {
    return {
      message: this.message,
      domain: 'global',
      reason: this.reason,
      ...(this.location === undefined ? {} : { location: this.location }),
      ...(this.locationType === undefined ? {} : { locationType: this.locationType }),
    };
  }

  body(): { error: { code: number; message: string; errors: ErrorItem[]; status: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [this.item()],
        status: RPC_STATUS[this.code] ?? 'UNKNOWN',
      },
    };
  }
}

export function invalid(message: string): GoogleApiError {
  return new GoogleApiError(400, 'invalid', message);
}

export function notFound(message: string): GoogleApiError {
  return new GoogleApiError(404, 'notFound', message);
}

export function accessDenied(message: string): GoogleApiError {
  return new GoogleApiError(403, 'accessDenied', message);
}

/**
 * A query that failed to parse, bind or run. Jobs keep it as `status.errorResult`; the
 * synchronous endpoints turn it into an HTTP error (see `asHttpError`).
 */
export class QueryError extends Error {
  readonly reason: 'invalidQuery' | 'notFound';
  /** The engine's own text, for whoever debugs the fake (ErrorProto's internal `debugInfo`). */
  readonly debugInfo: string | undefined;
  constructor(reason: 'invalidQuery' | 'notFound', message: string, debugInfo?: string) {
    super(message);
    this.reason = reason;
    this.debugInfo = debugInfo;
  }

  /** The job's ErrorProto: BigQuery names the job field `query` as the error's location. */
  errorProto(): { reason: string; location: string; message: string; debugInfo?: string } {
    return {
      reason: this.reason,
      location: 'query',
      message: this.message,
      ...(this.debugInfo === undefined ? {} : { debugInfo: this.debugInfo }),
    };
  }

  /** As jobs.query and jobs.getQueryResults report it. */
  asHttpError(): GoogleApiError {
    return this.reason === 'notFound'
      ? new GoogleApiError(404, 'notFound', this.message)
      : new GoogleApiError(400, 'invalidQuery', this.message, { location: 'q', locationType: 'parameter' });
  }
}
