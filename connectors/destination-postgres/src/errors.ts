import { ConfigError, TransientError, type ConnectorError } from '@backflow/protocol/connector';

interface PgLikeError {
  code?: string;
  message: string;
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
 * Whether Postgres refused the data rather than the statement: a bad value (class 22, e.g.
 * an invalid date) or a violated constraint (class 23). Such a batch is split to find the
 * rows at fault instead of failing the sync.
 */
export function isDataError(error: unknown): boolean {
  const code = (error as PgLikeError | undefined)?.code ?? '';
  return code.startsWith('22') || code.startsWith('23');
}

/** Whether retrying a row refused with `error` can succeed: a missing foreign key parent may arrive later. */
export function isRetryableDataError(error: unknown): boolean {
  return (error as PgLikeError).code === '23503';
}

/** Postgres' message for a refused row, naming the column when it says which. */
export function dataErrorMessage(error: unknown): string {
  const pg = error as PgLikeError;
  // COPY names the column in its context line: `COPY staging, line 3, column birthday: "x"`.
  const column = pg.column ?? /, column (.+?): /.exec(pg.where ?? '')?.[1];
  const detail = pg.detail ? ` (${pg.detail})` : '';
  return `${column ? `column "${column}": ` : ''}${pg.message}${detail}`;
}

/**
 * Turns a pg, network or TLS error into a ConfigError or TransientError whose message names
 * the server, what was being done and Postgres' own words. Other errors are returned unchanged (bugs).
 */
export function toConnectorError(error: unknown, target: string, subject?: string): ConnectorError | unknown {
  if (!(error instanceof Error)) return error;
  const pg = error as PgLikeError & Error;
  const code = pg.code ?? '';
  const at = `Postgres at ${target}`;
  const options = { cause: error };

  if (code in NETWORK) return new TransientError(`cannot reach ${at}: ${NETWORK[code]}`, options);
  if (code === 'ENOTFOUND') return new ConfigError(`cannot reach ${at}: host not found (DNS lookup failed)`, options);
  if (TLS_CODES.has(code)) {
    return new ConfigError(
      `cannot verify the TLS certificate of ${at}: ${pg.message} (check "ssl_ca" and "ssl_mode")`,
      options,
    );
  }
  if (pg.message.startsWith('Connection terminated')) {
    const why = pg.message.includes('timeout') ? 'timed out connecting (see "connect_timeout_seconds")' : pg.message;
    return new TransientError(`lost the connection to ${at}: ${why}`, options);
  }
  if (isSslUnsupported(error)) {
    return new ConfigError(
      `${at} does not accept TLS connections; set "ssl_mode" to "disable" to connect without TLS`,
      options,
    );
  }
  if (!/^[0-9A-Z]{5}$/.test(code)) return error;

  const about = subject ? `${subject}: ` : '';
  const hint = pg.hint ? ` (${pg.hint})` : '';
  switch (code) {
    case '28P01':
      return new ConfigError(
        `${at} rejected the credentials: ${pg.message} (check "username" and "password")`,
        options,
      );
    case '28000':
    case '3D000':
      return new ConfigError(`${at}: ${pg.message}`, options);
    case '42501':
      return new ConfigError(
        `${about}${pg.message} (the role needs CREATE on the schema, or INSERT/UPDATE/DELETE on the table)`,
        options,
      );
  }
  const message = `${about}${pg.message}${hint}`;
  return TRANSIENT_CLASSES.has(code.slice(0, 2))
    ? new TransientError(message, options)
    : new ConfigError(message, options);
}
