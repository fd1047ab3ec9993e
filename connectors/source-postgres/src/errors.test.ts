import { describe, expect, it } from 'vitest';
import { ConfigError, TransientError } from '@backflow/protocol/connector';
import { toConnectorError } from './errors.js';

const scope = { target: 'db:5432/app' };
const pgError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('toConnectorError', () => {
  it('tells unreachable hosts apart', () => {
    const refused = toConnectorError(pgError('ECONNREFUSED', 'connect ECONNREFUSED'), scope);
    expect(refused).toBeInstanceOf(TransientError);
    expect((refused as Error).message).toBe(
      'cannot reach Postgres at db:5432/app: connection refused (is the server running and listening on that port?)',
    );
    const unknownHost = toConnectorError(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db'), scope);
    expect(unknownHost).toBeInstanceOf(ConfigError);
    expect((unknownHost as Error).message).toBe(
      'cannot reach Postgres at db:5432/app: host not found (DNS lookup failed)',
    );
  });

  it('asks to disable TLS when the server has none, and to fix the CA when verification fails', () => {
    const noTls = toConnectorError(new Error('The server does not support SSL connections'), scope);
    expect((noTls as Error).message).toContain('set "ssl_mode" to "disable"');
    const selfSigned = toConnectorError(pgError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), scope);
    expect(selfSigned).toBeInstanceOf(ConfigError);
    expect((selfSigned as Error).message).toContain('"ssl_ca"');
  });

  it('classifies SQLSTATEs: configuration problems versus passing failures', () => {
    expect(toConnectorError(pgError('42P01', 'relation "x" does not exist'), scope)).toBeInstanceOf(ConfigError);
    expect(toConnectorError(pgError('40001', 'could not serialize access'), scope)).toBeInstanceOf(TransientError);
    expect(
      toConnectorError(pgError('57P01', 'terminating connection due to administrator command'), scope),
    ).toBeInstanceOf(TransientError);
    const timeout = toConnectorError(pgError('57014', 'canceling statement due to statement timeout'), {
      ...scope,
      subject: 'model "m"',
      statementTimeoutMs: 500,
    });
    expect(timeout).toBeInstanceOf(ConfigError);
    expect((timeout as Error).message).toBe(
      'model "m": canceling statement due to statement timeout ("statement_timeout_ms" is 500; raise it or make the query cheaper)',
    );
  });

  it('points into the model SQL', () => {
    const sql = 'select a,\n  b frm t';
    const statement = `SELECT * FROM (\n${sql}\n) AS backflow_model`;
    const position = String(statement.indexOf('t\n)') + 1);
    const error = toConnectorError(pgError('42601', 'syntax error at or near "t"', { position }), {
      ...scope,
      subject: 'model "m"',
      model: { sql, offset: 16 },
    });
    expect((error as Error).message).toBe(
      'model "m": syntax error at or near "t" at line 2, column 9 of the model\'s SQL: b frm t',
    );
  });

  it('leaves bugs alone', () => {
    const bug = new TypeError('x is undefined');
    expect(toConnectorError(bug, scope)).toBe(bug);
  });
});
