import { randomBytes } from 'node:crypto';
import pg from 'pg';

// A database of its own per test file on the local PostgreSQL (127.0.0.1:5432, trust auth).
const SERVER = { host: process.env.PGHOST ?? '127.0.0.1', port: 5432, user: process.env.PGUSER ?? 'postgres' };

export interface TestDatabase {
  readonly config: { host: string; port: number; database: string; username: string };
  sql(text: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `{{snake}}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  return {
    config: { host: SERVER.host, port: SERVER.port, database: name, username: SERVER.user },
    async sql(text) {
      const client = new pg.Client({ ...SERVER, database: name });
      await client.connect();
      try {
        return (await client.query(text)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ ...SERVER, database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
