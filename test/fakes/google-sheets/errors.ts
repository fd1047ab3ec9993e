// google.rpc.Code names that Google's JSON error envelope reports next to the HTTP code.
const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** One entry of `error.details` (google.rpc.ErrorInfo, Help…), with its `@type`. */
export type ErrorDetail = Record<string, unknown> & { '@type': string };

/** The body Sheets v4 answers a failed call with: `{error: {code, message, status, details?}}`. */
export interface SheetsErrorBody {
  error: { code: number; message: string; status: string; details?: ErrorDetail[] };
}

/** A Sheets API failure, rendered in Google's v4 error shape. */
export class SheetsApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): SheetsErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        status: RPC_STATUS[this.code] ?? 'UNKNOWN',
        ...(this.details.length > 0 ? { details: this.details } : {}),
      },
    };
  }
}

/** A 400 INVALID_ARGUMENT with Google's message. */
export function invalidArgument(message: string): SheetsApiError {
  return new SheetsApiError(400, message);
}

/** google.rpc.ErrorInfo, as Google attaches to auth and quota errors. */
export function errorInfo(reason: string, metadata: Record<string, string>): ErrorDetail {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata };
}
