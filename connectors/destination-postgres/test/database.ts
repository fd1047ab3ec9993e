import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

/** A database of its own for one test file, dropped (even with sessions still open) by `drop`. */
export interface TestDatabase {
  readonly name: string;
  /** Connector config pointing at it. */
  readonly config: {
    host: string;
    port: number;
    database: string;
    username: string;
    ssl_mode: 'disable';
    schema?: string;
  };
  /** A client connected to it, for arranging and checking. */
  readonly client: pg.Client;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(ADMIN);
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const client = new pg.Client({ ...ADMIN, database: name });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  return {
    name,
    config: { host: ADMIN.host, port: ADMIN.port, database: name, username: ADMIN.user, ssl_mode: 'disable' },
    client,
    async drop() {
      await client.end();
      const cleanup = new pg.Client(ADMIN);
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
