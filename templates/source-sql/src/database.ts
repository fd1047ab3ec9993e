import pg from 'pg';
import { ConfigError, TransientError } from '@backflow/protocol/connector';
import type { Settings } from './settings.js';

/** A column of a table or view, as information_schema describes it. */
export interface Column {
  readonly name: string;
  /** The SQL type name, used to cast resume values (`timestamp with time zone`). */
  readonly type: string;
  readonly nullable: boolean;
}

/** A table or view of the configured schema: one stream. */
export interface Relation {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
}

// Every value arrives as the database's own text, so nothing is rounded on the way.
export const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** Connects with raw-text values; a connection problem comes back as a ConfigError or TransientError naming it. */
export async function connect(settings: Settings): Promise<pg.Client> {
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.username,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    types: rawText,
  });
  try {
    await client.connect();
    await client.query("SET TimeZone = 'UTC'; SET default_transaction_read_only = on");
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: string }).code;
    const message = `cannot connect to ${settings.host}:${settings.port}/${settings.database}: ${(error as Error).message}`;
    // Refused connections and timeouts may pass; refused credentials or a missing database will not.
    if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT') throw new TransientError(message, { cause: error });
    throw new ConfigError(message, { cause: error });
  }
}

/** The tables and views of `schema` with their columns and primary keys. */
export async function listRelations(client: pg.Client, schema: string): Promise<Relation[]> {
  const columns = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const keys = await client.query<{ table_name: string; column_name: string }>(
    `SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu
         ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
      WHERE tc.table_schema = $1 AND tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.ordinal_position`,
    [schema],
  );
  const relations = new Map<string, { columns: Column[]; primaryKey: string[] }>();
  for (const row of columns.rows) {
    const relation = relations.get(row.table_name) ?? { columns: [], primaryKey: [] };
    relation.columns.push({ name: row.column_name, type: row.data_type, nullable: row.is_nullable === 'YES' });
    relations.set(row.table_name, relation);
  }
  for (const row of keys.rows) relations.get(row.table_name)?.primaryKey.push(row.column_name);
  return [...relations].map(([name, relation]) => ({ name, ...relation }));
}
