import { ConfigError, TransientError, type ConnectorError } from '@backflow/protocol/connector';

/** The fields of a pg (or Node network) error that messages are built from. */
export interface PgLikeError {
  code?: string;
  message: string;
  position?: string;
  hint?: string;
  detail?: string;
  where?: string;
  column?: string;
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running and listening on that port?)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
};

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

// SQLSTATE classes of failures that can pass: connection, transaction rollback, resources,
// operator intervention, system errors. Everything else needs the user to change something.
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58', 'XX']);

/** Whether `error` says the server refused TLS (so a `prefer` connection may retry without it). */
export function isSslUnsupported(error: unknown): boolean {
  return error instanceof Error && error.message.includes('does not support SSL');
}

/**
 * The ConfigError or TransientError for a failure to reach `at` (`Postgres at host:port/db`):
 * a network error code, an unknown host, an unverifiable certificate or a server without
 * TLS. Undefined for any other error.
 */
export function reachError(error: Error & PgLikeError, at: string): ConnectorError | undefined {
  const code = error.code ?? '';
  const options = { cause: error };
  if (code in NETWORK) return new TransientError(`cannot reach ${at}: ${NETWORK[code]}`, options);
  if (code === 'ENOTFOUND') return new ConfigError(`cannot reach ${at}: host not found (DNS lookup failed)`, options);
  if (TLS_CODES.has(code)) {
    return new ConfigError(
      `cannot verify the TLS certificate of ${at}: ${error.message} (check "ssl_ca" and "ssl_mode")`,
      options,
    );
  }
  if (isSslUnsupported(error)) {
    return new ConfigError(
      `${at} does not accept TLS connections; set "ssl_mode" to "disable" to connect without TLS`,
      options,
    );
  }
  return undefined;
}

/** Whether `code` is a SQLSTATE (five digits or capitals), i.e. the error came from Postgres. */
export function isSqlState(code: string | undefined): code is string {
  return /^[0-9A-Z]{5}$/.test(code ?? '');
}

/** The ConfigError for wrong credentials (28P01) or a missing database (3D000); undefined otherwise. */
export function loginError(error: Error & PgLikeError, at: string): ConfigError | undefined {
  const options = { cause: error };
  switch (error.code) {
    case '28P01':
      return new ConfigError(
        `${at} rejected the credentials: ${error.message} (check "username" and "password")`,
        options,
      );
    case '3D000':
      return new ConfigError(`${at}: ${error.message}`, options);
  }
  return undefined;
}

/** `message` as a TransientError when SQLSTATE `code` is of a class that can pass, else a ConfigError. */
export function sqlStateError(code: string, message: string, cause: Error): ConnectorError {
  const options = { cause };
  return TRANSIENT_CLASSES.has(code.slice(0, 2))
    ? new TransientError(message, options)
    : new ConfigError(message, options);
}
