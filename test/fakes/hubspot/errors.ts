import { randomUUID } from 'node:crypto';

/** One entry of `errors[]` in HubSpot's error body (the spec's `ErrorDetail`). */
export interface ErrorDetail {
  message: string;
  code?: string;
  in?: string;
  context?: Record<string, string[]>;
}

/** HubSpot's top-level error body (the spec's `Error` schema plus the `status` field every response carries). */
export interface ErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: ErrorDetail[];
  [extra: string]: unknown;
}

/** Thrown by handlers to answer with an error status; the server turns it into the response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

export function errorBody(
  category: string,
  message: string,
  extra: Partial<Omit<ErrorBody, 'status' | 'message' | 'category'>> = {},
): ErrorBody {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export function validationError(message: string, extra: Partial<ErrorBody> = {}): HttpError {
  return new HttpError(400, errorBody('VALIDATION_ERROR', message, extra));
}

/**
 * Jackson's wording for a body that does not bind to the request type; HubSpot passes it through.
 * Seen as "Invalid input JSON on line 1, column 2: Cannot build ..., some of required attributes are not set [inputs]".
 */
export function invalidInputJson(detail: string): HttpError {
  return validationError(`Invalid input JSON on line 1, column 2: ${detail}`);
}
