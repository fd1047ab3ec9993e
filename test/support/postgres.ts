import { randomBytes } from 'node:crypto';
import pg from 'pg';

const SERVER = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;
/** The database that always exists, used to create and drop the others. */
const ADMIN_DATABASE = 'test';

/** A database of its own for one test (or test file), dropped by `drop()`. */
export interface TestDatabase {
  readonly name: string;
  /** Connection fields as source-postgres and destination-postgres configs spell them. */
  readonly config: { host: string; port: number; database: string; username: string; ssl_mode: 'disable' };
  /** A libpq URL, e.g. for a `postgres://` state location or `psql`. */
  readonly url: string;
  /** Runs SQL in this database as `postgres`, in UTC; returns the rows. */
  sql<Row extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Drops the database, ending any session still connected to it. */
  drop(): Promise<void>;
}

/** Creates a database named `<prefix>_<random>` on the local server. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  // One connection: tests arrange and check one step at a time, and `drop` must end it.
  const pool = new pg.Pool({ ...SERVER, database: name, max: 1, options: '-c TimeZone=UTC' });
  // Queries report their errors to their callers; this only hears about idle connections,
  // such as the one `DROP DATABASE … WITH (FORCE)` ends while the pool is closing it.
  pool.on('error', () => undefined);
  return {
    name,
    config: { host: SERVER.host, port: SERVER.port, database: name, username: SERVER.user, ssl_mode: 'disable' },
    url: `postgres://${SERVER.user}@${SERVER.host}:${SERVER.port}/${name}`,
    async sql<Row extends object>(text: string, params?: unknown[]) {
      return (await pool.query(text, params)).rows as Row[];
    },
    async drop() {
      await pool.end();
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...SERVER, database: ADMIN_DATABASE });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The columns of the model table, in order. */
export const MODEL_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'plan', 'score', 'signed_up'] as const;

/**
 * One model row as Backflow carries it (protocol/docs/types.md): `numeric` as its text,
 * `date` as `YYYY-MM-DD`.
 */
export interface ModelRow {
  id: number;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  plan: string | null;
  score: string | null;
  signed_up: string | null;
}

/**
 * Creates `table` (default `customers`) with rows 1..`rows`, each derived from its id so a
 * test can tell which row is which: `user<id>@example.com`, plan cycling through
 * free/pro/team, `score` = id / 4 with two decimals, `signed_up` counting days from 2024-01-01.
 */
export async function seedModelTable(db: TestDatabase, rows: number, table = 'customers'): Promise<void> {
  await db.sql(`
    CREATE TABLE "${table}" (
      id integer PRIMARY KEY,
      email text,
      first_name text,
      last_name text,
      plan text,
      score numeric(10, 2),
      signed_up date
    )`);
  await insertModelRows(db, 1, rows, table);
}

/** Adds rows `from`..`to` (inclusive) to the model table, derived from their ids as `seedModelTable` does. */
export async function insertModelRows(db: TestDatabase, from: number, to: number, table = 'customers'): Promise<void> {
  await db.sql(
    `INSERT INTO "${table}"
     SELECT i, 'user' || i || '@example.com', 'First' || i, 'Last' || i,
            (ARRAY['free', 'pro', 'team'])[1 + i % 3], round(i / 4.0, 2), date '2024-01-01' + i
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to],
  );
}

/** The SQL of a source-postgres model reading the model table. */
export function modelSql(table = 'customers'): string {
  return `select ${MODEL_COLUMNS.join(', ')} from "${table}"`;
}

/**
 * Rows of a table (or any relation) in Backflow's representation, ordered by id: what a
 * destination should hold once the model is synced. Works on the source's model table and on
 * destination-postgres' copy of it alike, whatever integer/numeric column types each has.
 */
export async function tableRows(db: TestDatabase, relation: string): Promise<ModelRow[]> {
  return db.sql<ModelRow>(
    `SELECT id::int AS id, email, first_name, last_name, plan, score::text AS score, signed_up::text AS signed_up
     FROM ${relation} ORDER BY id`,
  );
}

/** A connection file's `source:` reading the model table as the source-postgres model `name` (key `id`). */
export function modelSource(db: TestDatabase, name = 'customers', table = 'customers') {
  return {
    connector: 'source-postgres',
    config: {
      ...db.config,
      tables: [],
      models: [{ name, sql: modelSql(table), primary_key: ['id'] }],
      fetch_size: 500,
    },
  };
}
