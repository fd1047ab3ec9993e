import pg from 'pg';
import { ConfigError, TransientError } from '@backflow/protocol/connector';
import type { Settings } from './settings.js';

/** A target table: its columns with their JSON types, and its primary key (what records are matched by). */
export interface Table {
  readonly name: string;
  readonly columns: readonly {
    readonly name: string;
    readonly type: string;
    readonly format?: string;
    readonly nullable: boolean;
  }[];
  readonly primaryKey: readonly string[];
}

/** Connects; a connection problem comes back as a ConfigError or TransientError naming it. */
export async function connect(settings: Settings): Promise<pg.Client> {
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.username,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: string }).code;
    const message = `cannot connect to ${settings.host}:${settings.port}/${settings.database}: ${(error as Error).message}`;
    if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT') throw new TransientError(message, { cause: error });
    throw new ConfigError(message, { cause: error });
  }
}

// Database types to the JSON types (and string formats) records must carry for them.
const FORMATS: Record<string, string> = {
  date: 'date',
  'timestamp with time zone': 'date-time',
  'timestamp without time zone': 'date-time',
};
const JSON_TYPES: Record<string, string> = {
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  numeric: 'number',
  real: 'number',
  'double precision': 'number',
  boolean: 'boolean',
};

/** The tables of `schema` that have a primary key (the only ones records can be upserted into). */
export async function listTables(client: pg.Client, schema: string): Promise<Table[]> {
  const columns = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
    [schema],
  );
  const keys = await client.query<{ table_name: string; column_name: string }>(
    `SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu
         ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
      WHERE tc.table_schema = $1 AND tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.ordinal_position`,
    [schema],
  );
  const tables = new Map<string, { columns: Table['columns'][number][]; primaryKey: string[] }>();
  for (const row of columns.rows) {
    const table = tables.get(row.table_name) ?? { columns: [], primaryKey: [] };
    table.columns.push({
      name: row.column_name,
      type: JSON_TYPES[row.data_type] ?? 'string',
      ...(FORMATS[row.data_type] ? { format: FORMATS[row.data_type] } : {}),
      nullable: row.is_nullable === 'YES',
    });
    tables.set(row.table_name, table);
  }
  for (const row of keys.rows) tables.get(row.table_name)?.primaryKey.push(row.column_name);
  return [...tables].filter(([, table]) => table.primaryKey.length > 0).map(([name, table]) => ({ name, ...table }));
}

export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `INSERT … ON CONFLICT (key) DO UPDATE` of one record into `schema.table`. */
export function upsertStatement(
  schema: string,
  table: Table,
  data: Record<string, unknown>,
): { text: string; values: unknown[] } {
  const known = new Set(table.columns.map((column) => column.name));
  const columns = Object.keys(data).filter((name) => known.has(name));
  const updates = columns.filter((name) => !table.primaryKey.includes(name));
  const text =
    `INSERT INTO ${quote(schema)}.${quote(table.name)} (${columns.map(quote).join(', ')}) ` +
    `VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT (${table.primaryKey.map(quote).join(', ')}) ` +
    (updates.length
      ? `DO UPDATE SET ${updates.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}`
      : 'DO NOTHING');
  return {
    text,
    values: columns.map((name) =>
      typeof data[name] === 'object' && data[name] !== null ? JSON.stringify(data[name]) : data[name],
    ),
  };
}
