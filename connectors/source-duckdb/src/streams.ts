import { StatementType, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { ConfigError } from '@backflow/protocol/connector';
import type { ResolvedConfig } from './config.js';
import { duckdbMessage } from './duckdb-error.js';
import { asSubquery, quoteIdent, quoteLiteral, trimQuery } from './sql.js';

export type StreamKind = 'table' | 'view' | 'file' | 'model';

/** Where a stream's rows come from, and what the database (or the config) knows about its keys. */
export interface StreamSource {
  readonly kind: StreamKind;
  readonly name: string;
  /** The schema, for tables and views of the database file; files and models have none. */
  readonly namespace: string | undefined;
  /** A SQL relation to select from: a qualified table name or a parenthesized query. */
  readonly relation: string;
  readonly primaryKey: readonly string[];
  /** The cursor a model or file declares; tables leave the choice to the user. */
  readonly cursorField: string | undefined;
  /** A model's own query, prepared as written so DuckDB's errors point into the user's SQL. */
  readonly query?: string;
}

export interface Column {
  readonly name: string;
  readonly type: DuckDBType;
  readonly nullable: boolean;
}

/** Every stream the config exposes: tables and views of `schemas` (or `tables`), then files, then models. */
export async function listStreams(connection: DuckDBConnection, config: ResolvedConfig): Promise<StreamSource[]> {
  const tables = config.path === undefined ? [] : await listTables(connection, config);
  const files = config.files.map((file): StreamSource => ({
    kind: 'file',
    name: file.name,
    namespace: undefined,
    relation: quoteIdent(file.name),
    primaryKey: file.primaryKey,
    cursorField: file.cursorField,
  }));
  const models = config.models.map((model): StreamSource => ({
    kind: 'model',
    name: model.name,
    namespace: undefined,
    relation: asSubquery(model.sql),
    primaryKey: model.primaryKey,
    cursorField: model.cursorField,
    query: trimQuery(model.sql),
  }));
  return [...tables, ...files, ...models];
}

/** The stream a configured catalog names, or a ConfigError saying it no longer exists. */
export async function findStream(
  connection: DuckDBConnection,
  config: ResolvedConfig,
  name: string,
  namespace: string | undefined,
): Promise<StreamSource> {
  const streams = await listStreams(connection, config);
  const found = streams.find(
    (stream) => stream.name === name && (stream.namespace ?? undefined) === (namespace ?? undefined),
  );
  if (!found) {
    const label = namespace ? `${namespace}.${name}` : name;
    throw new ConfigError(`stream "${label}" is not in this source (no such table, view, file or model)`);
  }
  return found;
}

interface TableRow {
  schema: string;
  name: string;
  kind: 'table' | 'view';
}

async function listTables(connection: DuckDBConnection, config: ResolvedConfig): Promise<StreamSource[]> {
  await requireSchemas(connection, config);
  // Tables named `schema.name` count even when their schema is not in `schemas`.
  const explicit = (config.tables ?? []).flatMap(([schema]) => (schema === undefined ? [] : [schema]));
  const schemas = [...new Set([...config.schemas, ...explicit])].map(quoteLiteral).join(', ');
  const rows = (
    await connection.runAndReadAll(
      `SELECT schema_name AS schema, table_name AS name, 'table' AS kind FROM duckdb_tables()
         WHERE database_name = current_database() AND NOT internal AND NOT temporary AND schema_name IN (${schemas})
       UNION ALL
       SELECT schema_name, view_name, 'view' FROM duckdb_views()
         WHERE database_name = current_database() AND NOT internal AND NOT temporary AND schema_name IN (${schemas})
       ORDER BY 1, 2`,
    )
  ).getRowObjectsJS() as unknown as TableRow[];
  const selected = config.tables === undefined ? rows : selectTables(rows, config);
  const keys = await primaryKeys(connection);
  return selected.map((row) => ({
    kind: row.kind,
    name: row.name,
    namespace: row.schema,
    relation: `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`,
    primaryKey: keys.get(`${row.schema}.${row.name}`) ?? [],
    cursorField: undefined,
  }));
}

async function requireSchemas(connection: DuckDBConnection, config: ResolvedConfig): Promise<void> {
  const rows = (
    await connection.runAndReadAll(
      'SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database() ORDER BY 1',
    )
  ).getRowsJS() as [string][];
  const existing = rows.map(([name]) => name);
  const missing = config.schemas.filter((schema) => !existing.includes(schema));
  if (missing.length > 0) {
    throw new ConfigError(
      `schema ${missing.map((s) => `"${s}"`).join(', ')} not found in ${config.path} (it has ${existing.join(', ')})`,
    );
  }
}

/** The tables the config lists, in its order; a missing one is a config error. */
function selectTables(rows: readonly TableRow[], config: ResolvedConfig): TableRow[] {
  return (config.tables ?? []).map(([schema, name]) => {
    for (const candidate of schema === undefined ? config.schemas : [schema]) {
      const found = rows.find((row) => row.schema === candidate && row.name === name);
      if (found) return found;
    }
    const where = (schema === undefined ? config.schemas : [schema]).map((s) => `"${s}"`).join(' or ');
    throw new ConfigError(
      `table "${schema === undefined ? '' : `${schema}.`}${name}" not found in schema ${where} of ${config.path}`,
    );
  });
}

async function primaryKeys(connection: DuckDBConnection): Promise<Map<string, string[]>> {
  const rows = (
    await connection.runAndReadAll(
      `SELECT schema_name, table_name, constraint_column_names FROM duckdb_constraints()
        WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY'`,
    )
  ).getRowsJS() as [string, string, string[]][];
  return new Map(rows.map(([schema, table, columns]) => [`${schema}.${table}`, columns]));
}

/**
 * A stream's columns, from preparing `SELECT *` over it: DuckDB binds and types the query
 * without running it. Nullability comes from the catalog for tables; views, files and
 * models are assumed nullable.
 */
export async function describeColumns(connection: DuckDBConnection, stream: StreamSource): Promise<Column[]> {
  let prepared;
  try {
    prepared = await connection.prepare(stream.query ?? `SELECT * FROM ${stream.relation}`);
  } catch (error) {
    throw new ConfigError(`${stream.kind} "${stream.name}": ${duckdbMessage(error)}`, { cause: error });
  }
  try {
    if (prepared.statementType !== StatementType.SELECT) {
      throw new ConfigError(`${stream.kind} "${stream.name}": the query must be a single SELECT statement`);
    }
    const notNull = stream.kind === 'table' ? await notNullColumns(connection, stream) : new Set<string>();
    const columns: Column[] = [];
    for (let i = 0; i < prepared.columnCount; i++) {
      const name = prepared.columnName(i);
      // Records are objects: a second column of the same name would silently replace the first.
      if (columns.some((column) => column.name === name)) {
        throw new ConfigError(`${stream.kind} "${stream.name}": two columns are named "${name}"; give one an alias`);
      }
      columns.push({ name, type: prepared.columnType(i), nullable: !notNull.has(name) });
    }
    return columns;
  } finally {
    prepared.destroySync();
  }
}

async function notNullColumns(connection: DuckDBConnection, stream: StreamSource): Promise<Set<string>> {
  const rows = (
    await connection.runAndReadAll(
      `SELECT column_name FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2 AND NOT is_nullable`,
      [stream.namespace ?? 'main', stream.name],
    )
  ).getRowsJS() as [string][];
  return new Set(rows.map(([name]) => name));
}
