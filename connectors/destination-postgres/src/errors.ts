import { ConfigError, TransientError, type ConnectorError } from '@backflow/protocol/connector';
import { isSqlState, loginError, reachError, sqlStateError, type PgLikeError } from '@backflow/postgres-common';

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

  const reached = reachError(pg, at);
  if (reached) return reached;
  if (pg.message.startsWith('Connection terminated')) {
    const why = pg.message.includes('timeout') ? 'timed out connecting (see "connect_timeout_seconds")' : pg.message;
    return new TransientError(`lost the connection to ${at}: ${why}`, options);
  }
  if (!isSqlState(code)) return error;
  const login = loginError(pg, at);
  if (login) return login;

  const about = subject ? `${subject}: ` : '';
  const hint = pg.hint ? ` (${pg.hint})` : '';
  switch (code) {
    case '28000':
      return new ConfigError(`${at}: ${pg.message}`, options);
    case '42501':
      return new ConfigError(
        `${about}${pg.message} (the role needs CREATE on the schema, or INSERT/UPDATE/DELETE on the table)`,
        options,
      );
  }
  const message = `${about}${pg.message}${hint}`;
  return sqlStateError(code, message, error);
}
