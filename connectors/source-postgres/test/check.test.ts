import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredCatalog as configure, findStream, runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { closedPort, passwordRejectingServer, silentServer } from './fake-servers.js';

let db: TestDatabase;
let reader: string;

beforeAll(async () => {
  db = await createTestDatabase('sp_check');
  reader = await db.createRole('LOGIN');
  await db.sql(`
    CREATE TABLE open_table (id int PRIMARY KEY);
    CREATE TABLE secret (id int PRIMARY KEY, salary numeric);
    CREATE SCHEMA hidden;
    CREATE TABLE hidden.things (id int);
    GRANT SELECT ON open_table TO "${reader}";
    GRANT SELECT ON hidden.things TO "${reader}";
  `);
});

afterAll(async () => {
  await db?.drop();
});

async function check(config: object) {
  const run = await runInProcess(source, 'check', { config });
  expect(run.exitCode).toBe(0);
  return run.connectionStatus!;
}

describe('check', () => {
  it('succeeds and says what it can read', async () => {
    expect(await check(db.config)).toEqual({
      status: 'SUCCEEDED',
      message: `connected to 127.0.0.1:5432/${db.name}: 2 table(s)/view(s) and 0 model(s) readable`,
    });
  });

  it('connects with a URL and never repeats its password', async () => {
    const url = `postgresql://postgres:pw-in-url@127.0.0.1:5432/${db.name}?sslmode=disable`;
    const status = await check({ url });
    expect(status.status).toBe('SUCCEEDED');
    expect(JSON.stringify(status)).not.toContain('pw-in-url');
  });

  it('reports a port nothing listens on', async () => {
    const port = await closedPort();
    expect(await check({ ...db.config, port })).toEqual({
      status: 'FAILED',
      message: `cannot reach Postgres at 127.0.0.1:${port}/${db.name}: connection refused (is the server running and listening on that port?)`,
    });
  });

  it('reports a server that does not answer in time', async () => {
    const server = await silentServer();
    try {
      const status = await check({ ...db.config, port: server.port, connect_timeout_seconds: 1 });
      expect(status).toEqual({
        status: 'FAILED',
        message: `cannot reach Postgres at 127.0.0.1:${server.port}/${db.name}: timed out connecting (see "connect_timeout_seconds")`,
      });
    } finally {
      await server.close();
    }
  });

  it('reports a rejected password (28P01) without echoing it', async () => {
    const server = await passwordRejectingServer();
    try {
      const status = await check({ ...db.config, port: server.port, username: 'reader', password: 'hunter2-secret' });
      expect(server.passwords).toEqual(['hunter2-secret']);
      expect(status).toEqual({
        status: 'FAILED',
        message: `Postgres at 127.0.0.1:${server.port}/${db.name} rejected the credentials: password authentication failed for user "reader" (check "username" and "password")`,
      });
    } finally {
      await server.close();
    }
  });

  it('reports an unknown role and a role that may not log in (28000)', async () => {
    expect(await check({ ...db.config, username: `${db.name}_nobody` })).toEqual({
      status: 'FAILED',
      message: `Postgres at 127.0.0.1:5432/${db.name} refused the login: role "${db.name}_nobody" does not exist`,
    });
    const locked = await db.createRole('NOLOGIN');
    expect((await check({ ...db.config, username: locked })).message).toBe(
      `Postgres at 127.0.0.1:5432/${db.name} refused the login: role "${locked}" is not permitted to log in`,
    );
  });

  it('reports a missing database (3D000)', async () => {
    expect(await check({ ...db.config, database: `${db.name}_missing` })).toEqual({
      status: 'FAILED',
      message: `Postgres at 127.0.0.1:5432/${db.name}_missing: database "${db.name}_missing" does not exist`,
    });
  });

  it('reports a missing table and a missing schema', async () => {
    expect((await check({ ...db.config, tables: ['open_table', 'nope'] })).message).toBe(
      'table "nope" does not exist in schema "public"',
    );
    expect((await check({ ...db.config, schemas: ['public', 'nowhere'] })).message).toBe(
      `schema "nowhere" does not exist in database "${db.name}"`,
    );
  });

  it('reports a table the role may not SELECT, and a schema it may not use', async () => {
    const asReader = { ...db.config, username: reader };
    expect(await check({ ...asReader, tables: ['open_table', 'secret'] })).toEqual({
      status: 'FAILED',
      message: `permission denied for table "public"."secret": role "${reader}" has no SELECT privilege on it`,
    });
    await db.sql('REVOKE USAGE ON SCHEMA hidden FROM PUBLIC');
    expect((await check({ ...asReader, schemas: ['hidden'] })).message).toBe(
      'permission denied for schema "hidden" (the role needs USAGE on it)',
    );
  });

  it("fails a read of an unreadable table with Postgres' permission error (42501)", async () => {
    const discovered = await runInProcess(source, 'discover', { config: db.config });
    const catalog = configure(findStream(discovered.catalog, 'secret', 'public'));
    const run = await runInProcess(source, 'read', { config: { ...db.config, username: reader }, catalog });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message:
        'reading table "public"."secret": permission denied for table secret (the role needs USAGE on the schema and SELECT on the table)',
    });
  });

  it('leaves tables the role cannot read out of discover when no list is given', async () => {
    const run = await runInProcess(source, 'discover', { config: { ...db.config, username: reader } });
    expect(run.catalog?.streams.map((stream) => stream.name)).toEqual(['open_table']);
    expect(run.logs.some((log) => log.message.includes('"public"."secret"'))).toBe(true);
  });
});
