import { ConfigError, ConnectorError, TransientError } from '@backflow/protocol/connector';
import { isSqlState, loginError, reachError, sqlStateError, type PgLikeError } from '@backflow/postgres-common';

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

  const reached = reachError(pg, at);
  if (reached) return reached;
  if (code === 'EAI_AGAIN') return new TransientError(`cannot reach ${at}: DNS lookup failed temporarily`, options);
  // pg's own connect timer destroys the socket with 'timeout expired'.
  if (pg.message === 'timeout expired' || pg.message.includes('due to connection timeout')) {
    return new TransientError(`cannot reach ${at}: timed out connecting (see "connect_timeout_seconds")`, options);
  }
  if (pg.message.startsWith('Connection terminated'))
    return new TransientError(`lost the connection to ${at}: ${pg.message}`, options);
  if (!isSqlState(code)) return error;
  const login = loginError(pg, at);
  if (login) return login;

  const about = scope.subject ? `${scope.subject}: ` : '';
  const detail = pg.hint ? ` (${pg.hint})` : '';
  switch (code) {
    case '28000':
      return new ConfigError(`${at} refused the login: ${pg.message}`, options);
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
  return sqlStateError(code, message, error);
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
