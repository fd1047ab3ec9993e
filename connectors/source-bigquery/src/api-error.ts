/** What the connector reads from errors thrown by @google-cloud/bigquery and google-auth-library. */
export interface ErrorFacts {
  /** HTTP status of an answer, if there was one. */
  readonly status: number | undefined;
  /** Google's error reason (`notFound`, `accessDenied`, `invalidQuery`, ...). */
  readonly reason: string | undefined;
  /** Node's network error code (`ECONNREFUSED`, ...), when no answer came. */
  readonly networkCode: string | undefined;
  /** The OAuth error of a refused token exchange (`invalid_grant`, ...). */
  readonly oauthError: string | undefined;
  /** Retry-After of the answer, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  readonly message: string;
}

interface LooseError {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  errors?: { reason?: unknown; message?: unknown }[];
  response?: {
    status?: unknown;
    statusCode?: unknown;
    headers?: unknown;
    data?: { error?: unknown; error_description?: unknown };
  };
}

/** Reads an error of the client libraries: ApiError (API answers), GaxiosError (token exchange), FetchError (network). */
export function errorFacts(error: unknown): ErrorFacts {
  const e = (error ?? {}) as LooseError;
  const response = e.response;
  const numericCode = typeof e.code === 'number' ? e.code : undefined;
  const status = numericCode ?? numberOf(response?.status) ?? numberOf(response?.statusCode) ?? numberOf(e.status);
  const reason = typeof e.errors?.[0]?.reason === 'string' ? e.errors[0].reason : undefined;
  const networkCode = typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code) ? e.code : undefined;
  const data = response?.data;
  const oauthError = data && typeof data.error === 'string' ? data.error : undefined;
  const message = oauthError
    ? `${oauthError}${typeof data?.error_description === 'string' ? `: ${data.error_description}` : ''}`
    : typeof e.message === 'string'
      ? e.message
      : String(error);
  return { status, reason, networkCode, oauthError, retryAfterMs: retryAfterMs(response?.headers), message };
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), from a plain header object or a Headers. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const raw =
    typeof (headers as Headers).get === 'function'
      ? (headers as Headers).get('retry-after')
      : (headers as Record<string, unknown>)['retry-after'];
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
