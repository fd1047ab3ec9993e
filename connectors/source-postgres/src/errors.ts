import { ConfigError, ConnectorError, TransientError } from '@backflow/protocol/connector';

/** Where an error happened, so its message can name the thing. */
export interface ErrorScope {
  /** `host:port/database`. */
  readonly target: string;
  /** What was being done, e.g. `reading table "public"."users"` or `model "active_users"`. */
  readonly subject?: string;
  /** When the failing statement wraps a model: the model's SQL and where it starts in the statement. */
  readonly model?: { readonly sql: string; readonly offset: number };
  readonly statementTimeoutMs?: number;
}

interface PgLikeError {
  code?: string;
  message: string;
  position?: string;
  hint?: string;
  detail?: string;
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running and listening on that port?)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  EAI_AGAIN: 'DNS lookup failed temporarily',
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
 * Turns a pg, network or TLS error into a ConfigError or TransientError whose message names
 * the server, the object and Postgres' own words. Other errors are returned unchanged (bugs).
 */
export function toConnectorError(error: unknown, scope: ErrorScope): ConnectorError | unknown {
  if (!(error instanceof Error) || error instanceof ConnectorError) return error;
  const pg = error as PgLikeError & Error;
  const code = pg.code ?? '';
  const at = `Postgres at ${scope.target}`;
  const options = { cause: error };

  if (code in NETWORK) return new TransientError(`cannot reach ${at}: ${NETWORK[code]}`, options);
  if (code === 'ENOTFOUND') return new ConfigError(`cannot reach ${at}: host not found (DNS lookup failed)`, options);
  if (TLS_CODES.has(code)) {
    return new ConfigError(
      `cannot verify the TLS certificate of ${at}: ${pg.message} (check "ssl_ca" and "ssl_mode")`,
      options,
    );
  }
  // pg's own connect timer destroys the socket with 'timeout expired'.
  if (pg.message === 'timeout expired' || pg.message.includes('due to connection timeout')) {
    return new TransientError(`cannot reach ${at}: timed out connecting (see "connect_timeout_seconds")`, options);
  }
  if (pg.message.startsWith('Connection terminated'))
    return new TransientError(`lost the connection to ${at}: ${pg.message}`, options);
  if (isSslUnsupported(error)) {
    return new ConfigError(
      `${at} does not accept TLS connections; set "ssl_mode" to "disable" to connect without TLS`,
      options,
    );
  }
  if (!/^[0-9A-Z]{5}$/.test(code)) return error;

  const about = scope.subject ? `${scope.subject}: ` : '';
  const detail = pg.hint ? ` (${pg.hint})` : '';
  switch (code) {
    case '28P01':
      return new ConfigError(
        `${at} rejected the credentials: ${pg.message} (check "username" and "password")`,
        options,
      );
    case '28000':
      return new ConfigError(`${at} refused the login: ${pg.message}`, options);
    case '3D000':
      return new ConfigError(`${at}: ${pg.message}`, options);
    case '42501':
      return new ConfigError(
        `${about}${pg.message} (the role needs USAGE on the schema and SELECT on the table)`,
        options,
      );
    case '57014':
      if (scope.statementTimeoutMs) {
        return new ConfigError(
          `${about}${pg.message} ("statement_timeout_ms" is ${scope.statementTimeoutMs}; raise it or make the query cheaper)`,
          options,
        );
      }
      break;
  }
  const message = `${about}${pg.message}${modelLocation(pg.position, scope.model)}${detail}`;
  return TRANSIENT_CLASSES.has(code.slice(0, 2))
    ? new TransientError(message, options)
    : new ConfigError(message, options);
}

/** ` at line 2, column 8: <that line>` for a Postgres error position inside a model's SQL. */
function modelLocation(position: string | undefined, model: ErrorScope['model']): string {
  if (!position || !model) return '';
  const index = Number(position) - 1 - model.offset;
  if (!(index >= 0 && index < model.sql.length)) return '';
  const before = model.sql.slice(0, index).split('\n');
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  const text = model.sql.split('\n')[line - 1]!.trim();
  return ` at line ${line}, column ${column} of the model's SQL: ${text}`;
}
