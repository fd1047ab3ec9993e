import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PostgresSourceConfig } from '../src/generated/config.js';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

/** A database of its own for one test file, dropped by `drop()`. */
export interface TestDatabase {
  readonly name: string;
  /** A source config reaching this database as `postgres` (trust auth locally, no TLS). */
  readonly config: PostgresSourceConfig;
  /** Runs SQL in this database as `postgres`. */
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** A role unique to this test run (roles are cluster-wide); dropped with the database. */
  createRole(options?: string): Promise<string>;
  drop(): Promise<void>;
}

async function admin<T>(use: (client: pg.Client) => Promise<T>, database = ADMIN.database): Promise<T> {
  const client = new pg.Client({ ...ADMIN, database });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const suffix = randomBytes(4).toString('hex');
  const name = `${prefix}_${suffix}`;
  const roles: string[] = [];
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    config: { host: '127.0.0.1', port: 5432, database: name, username: 'postgres', ssl_mode: 'disable' },
    sql: (text, params) => admin((client) => client.query(text, params), name),
    async createRole(options = 'LOGIN') {
      const role = `${name}_r${roles.length}`;
      await admin((client) => client.query(`CREATE ROLE "${role}" ${options}`));
      roles.push(role);
      return role;
    },
    async drop() {
      await admin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        for (const role of roles) await client.query(`DROP ROLE IF EXISTS "${role}"`);
      });
    },
  };
}
