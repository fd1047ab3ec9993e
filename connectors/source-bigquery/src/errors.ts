import { ConfigError, ConnectorError, TransientError } from '@backflow/protocol/connector';
import { errorFacts, type ErrorFacts } from './api-error.js';

/** Where an error happened, so its message can name the thing. */
export interface ErrorScope {
  /** What was being done, e.g. `model "active_users"` or `listing tables of dataset "marts"`. */
  readonly subject: string;
  /** The API base URL in use (for "cannot reach" messages). */
  readonly endpoint: string;
}

// Network failures worth another attempt; a refused connection or an unknown host is not.
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
// BigQuery's error table: reasons that say "try again".
const TRANSIENT_REASONS = new Set([
  'backendError',
  'internalError',
  'rateLimitExceeded',
  'jobBackendError',
  'jobInternalError',
]);

/** Whether another attempt of the same call can succeed (429, 5xx, rate limits, dropped connections). */
export function isRetryable(facts: ErrorFacts): boolean {
  if (facts.oauthError) return false;
  if (facts.networkCode) return RETRYABLE_NETWORK.has(facts.networkCode);
  if (facts.reason && TRANSIENT_REASONS.has(facts.reason)) return true;
  return facts.status !== undefined && RETRYABLE_STATUS.has(facts.status);
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS lookup failed)',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'DNS lookup failed temporarily',
};

/**
 * Turns a client-library error into a ConfigError or TransientError naming what failed and
 * carrying Google's own message. Other errors (bugs) are returned unchanged.
 */
export function toConnectorError(error: unknown, scope: ErrorScope): unknown {
  if (!(error instanceof Error) || error instanceof ConnectorError) return error;
  const facts = errorFacts(error);
  const options = { cause: error };
  const about = `${scope.subject}: `;

  if (facts.oauthError) {
    return new ConfigError(
      `${about}the token endpoint refused the service account's key (${facts.message}); check "credentials_json": the key may be deleted, disabled or from another project`,
      options,
    );
  }
  if (facts.networkCode) {
    const what = tokenExchange(error) ? 'the OAuth token endpoint' : `BigQuery at ${scope.endpoint}`;
    const message = `${about}cannot reach ${what}: ${NETWORK[facts.networkCode] ?? facts.networkCode} (${facts.message})`;
    return facts.networkCode === 'ENOTFOUND' ? new ConfigError(message, options) : new TransientError(message, options);
  }
  const retry = facts.retryAfterMs === undefined ? {} : { retryAfterMs: facts.retryAfterMs };
  switch (facts.reason) {
    case 'accessDenied':
      return new ConfigError(
        `${about}${facts.message} (the service account needs BigQuery Data Viewer on the dataset and BigQuery Job User on the project)`,
        options,
      );
    case 'insufficientPermissions':
      return new ConfigError(`${about}${facts.message} (the access token lacks the BigQuery scope)`, options);
    case 'notFound':
    case 'invalidQuery':
    case 'invalid':
    case 'resourcesExceeded':
    case 'responseTooLarge':
    case 'billingNotEnabled':
      return new ConfigError(`${about}${facts.message}`, options);
    case 'quotaExceeded':
      // A used-up quota comes back with time (often the next day), not with an immediate retry.
      return new TransientError(`${about}${facts.message}`, { ...options, ...retry });
  }
  if (facts.status === 401) {
    return new ConfigError(
      `${about}BigQuery refused the access token: ${facts.message} (check "credentials_json")`,
      options,
    );
  }
  if (isRetryable(facts)) return new TransientError(`${about}${facts.message}`, { ...options, ...retry });
  if (facts.status !== undefined && facts.status >= 400 && facts.status < 500) {
    return new ConfigError(`${about}${facts.message}`, options);
  }
  return error;
}

/** Whether a GaxiosError came from the token exchange rather than an API call. */
function tokenExchange(error: Error): boolean {
  const url = (error as { config?: { url?: unknown } }).config?.url;
  return url !== undefined && /\/token\b/.test(String(url));
}
