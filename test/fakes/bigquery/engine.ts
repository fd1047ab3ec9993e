import { DuckDBInstance, StatementType } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBResultReader, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { bigQueryErrorFor } from './duckdb-errors.js';
import { QueryError } from './errors.js';

/** A statement's outcome, kept by its job and paged over without running it again. */
export interface QueryOutcome {
  columnNames: string[];
  columnTypes: DuckDBType[];
  rows: DuckDBValue[][];
  statementType: string;
  /** Rows inserted, updated or deleted, for DML statements. */
  affectedRows?: number;
}

/** One row of DuckDB's catalog, as the fake lists tables and views. */
export interface RelationInfo {
  name: string;
  kind: 'TABLE' | 'VIEW';
  comment: string | null;
  viewSql: string | null;
}

/** Catalog facts that DuckDB's `duckdb_columns()` keeps per column. */
export interface ColumnInfo {
  name: string;
  nullable: boolean;
  comment: string | null;
}

// BigQuery's statementType names for DuckDB's statement kinds.
const STATEMENT_TYPES: Partial<Record<number, string>> = {
  [StatementType.SELECT]: 'SELECT',
  [StatementType.INSERT]: 'INSERT',
  [StatementType.UPDATE]: 'UPDATE',
  [StatementType.DELETE]: 'DELETE',
  [StatementType.MERGE_INTO]: 'MERGE',
  [StatementType.CREATE]: 'CREATE_TABLE',
  [StatementType.DROP]: 'DROP_TABLE',
  [StatementType.ALTER]: 'ALTER_TABLE',
};
const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
const DDL = new Set(['CREATE_TABLE', 'DROP_TABLE', 'ALTER_TABLE']);

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The DuckDB database behind the fake. The project is an attached catalog named after the
 * project id, each dataset a schema in it, so `project.dataset.table` resolves as DuckDB's
 * `catalog.schema.table` and `dataset.table` as `schema.table`.
 */
export class Engine {
  readonly projectId: string;
  readonly location: string;
  private readonly instance: DuckDBInstance;
  private readonly connection: DuckDBConnection;
  // One statement at a time: jobs may switch the connection's default schema.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(projectId: string, location: string, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.projectId = projectId;
    this.location = location;
    this.instance = instance;
    this.connection = connection;
  }

  static async create(projectId: string, location: string): Promise<Engine> {
    const instance = await DuckDBInstance.create(':memory:');
    const setup = await instance.connect();
    await setup.run(`ATTACH ':memory:' AS ${quoteIdent(projectId)}`);
    setup.closeSync();
    const engine = new Engine(projectId, location, instance, await instance.connect());
    await engine.prepare(engine.connection);
    return engine;
  }

  /** A new connection whose default catalog is the project, in UTC, for seeding. */
  async connect(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    await this.prepare(connection);
    return connection;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /**
   * Runs SQL (already rewritten to DuckDB's dialect) and reads the whole result. A script
   * (several statements) runs statement by statement and answers with the last one, as a
   * BigQuery script job does; DDL answers with no result set.
   */
  execute(sql: string, defaultDataset?: string): Promise<QueryOutcome> {
    return this.withDataset(defaultDataset, async () => {
      const statements = await this.connection.extractStatements(sql);
      if (statements.count === 0) throw new QueryError('invalidQuery', 'Syntax error: Unexpected end of script');
      let reader: DuckDBResultReader | undefined;
      for (let index = 0; index < statements.count; index += 1) {
        reader = await (await statements.prepare(index)).runAndReadAll();
      }
      const last = reader as DuckDBResultReader;
      const kind = STATEMENT_TYPES[last.statementType] ?? 'SELECT';
      const statementType = statements.count > 1 ? 'SCRIPT' : kind;
      if (DML.has(kind)) {
        return { columnNames: [], columnTypes: [], rows: [], statementType, affectedRows: last.rowsChanged };
      }
      if (DDL.has(kind)) return { columnNames: [], columnTypes: [], rows: [], statementType };
      return { columnNames: last.columnNames(), columnTypes: last.columnTypes(), rows: last.getRows(), statementType };
    });
  }

  /** Plans SQL without running it (a dry run): the result columns of its last statement. */
  plan(sql: string, defaultDataset?: string): Promise<QueryOutcome> {
    return this.withDataset(defaultDataset, async () => {
      const statements = await this.connection.extractStatements(sql);
      if (statements.count === 0) throw new QueryError('invalidQuery', 'Syntax error: Unexpected end of script');
      const prepared = await statements.prepare(statements.count - 1);
      const kind = STATEMENT_TYPES[prepared.statementType] ?? 'SELECT';
      const columns = kind === 'SELECT' ? Array.from({ length: prepared.columnCount }, (_, index) => index) : [];
      return {
        columnNames: columns.map((index) => prepared.columnName(index)),
        columnTypes: columns.map((index) => prepared.columnType(index)),
        rows: [],
        statementType: statements.count > 1 ? 'SCRIPT' : kind,
      };
    });
  }

  async datasetExists(dataset: string): Promise<boolean> {
    const rows = await this.rows(
      `SELECT 1 FROM duckdb_schemas() WHERE database_name = ${quoteLiteral(this.projectId)} AND schema_name = ${quoteLiteral(dataset)}`,
    );
    return rows.length > 0;
  }

  async listDatasets(): Promise<string[]> {
    const rows = await this.rows(
      `SELECT schema_name FROM duckdb_schemas() WHERE database_name = ${quoteLiteral(this.projectId)} AND NOT internal AND schema_name <> 'main' ORDER BY schema_name`,
    );
    return rows.map((row) => String(row[0]));
  }

  async listRelations(dataset: string): Promise<RelationInfo[]> {
    const where = `database_name = ${quoteLiteral(this.projectId)} AND schema_name = ${quoteLiteral(dataset)}`;
    const rows = await this.rows(
      `SELECT table_name, 'TABLE', comment, NULL FROM duckdb_tables() WHERE ${where}
       UNION ALL
       SELECT view_name, 'VIEW', comment, sql FROM duckdb_views() WHERE ${where} AND NOT internal
       ORDER BY 1`,
    );
    return rows.map((row) => ({
      name: String(row[0]),
      kind: row[1] === 'VIEW' ? 'VIEW' : 'TABLE',
      comment: row[2] === null ? null : String(row[2]),
      viewSql: row[3] === null ? null : String(row[3]),
    }));
  }

  /** Column names and DuckDB types of a table or view, read from an empty scan. */
  async describe(
    dataset: string,
    relation: string,
  ): Promise<{ columnNames: string[]; columnTypes: DuckDBType[]; columns: ColumnInfo[] }> {
    return this.serialized(async () => {
      const reader = await this.connection.runAndReadAll(`SELECT * FROM ${this.path(dataset, relation)} LIMIT 0`);
      const info = await this.connection.runAndReadAll(
        `SELECT column_name, is_nullable, comment FROM duckdb_columns()
         WHERE database_name = ${quoteLiteral(this.projectId)} AND schema_name = ${quoteLiteral(dataset)} AND table_name = ${quoteLiteral(relation)}
         ORDER BY column_index`,
      );
      return {
        columnNames: reader.columnNames(),
        columnTypes: reader.columnTypes(),
        columns: info.getRows().map((row) => ({
          name: String(row[0]),
          nullable: row[1] !== false,
          comment: row[2] === null ? null : String(row[2]),
        })),
      };
    });
  }

  async countRows(dataset: string, table: string): Promise<number> {
    const rows = await this.rows(`SELECT count(*) FROM ${this.path(dataset, table)}`);
    return Number(rows[0]?.[0] ?? 0);
  }

  /** Reads a table's rows in storage order, for tabledata.list. */
  async readTable(dataset: string, table: string): Promise<QueryOutcome> {
    return this.execute(`SELECT * FROM ${this.path(dataset, table)}`);
  }

  private path(dataset: string, relation: string): string {
    return `${quoteIdent(this.projectId)}.${quoteIdent(dataset)}.${quoteIdent(relation)}`;
  }

  private async prepare(connection: DuckDBConnection): Promise<void> {
    await connection.run(`USE ${quoteIdent(this.projectId)}; SET TimeZone = 'UTC'`);
  }

  private rows(sql: string): Promise<DuckDBValue[][]> {
    return this.serialized(async () => (await this.connection.runAndReadAll(sql)).getRows());
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // Runs with `dataset` as the default schema (a query's defaultDataset), turning DuckDB
  // errors into BigQuery's.
  private withDataset<T>(dataset: string | undefined, work: () => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      if (dataset) await this.connection.run(`USE ${quoteIdent(this.projectId)}.${quoteIdent(dataset)}`);
      try {
        return await work();
      } catch (error) {
        if (error instanceof QueryError) throw error;
        throw bigQueryErrorFor((error as Error).message, {
          projectId: this.projectId,
          location: this.location,
          dataset,
        });
      } finally {
        if (dataset) await this.connection.run(`USE ${quoteIdent(this.projectId)}`);
      }
    });
  }
}
