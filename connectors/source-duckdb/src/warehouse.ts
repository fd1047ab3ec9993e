import { stat } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ConfigError, TransientError } from '@backflow/protocol/connector';
import type { FileStreamConfig, ResolvedConfig } from './config.js';
import { duckdbMessage, isLockConflict } from './duckdb-error.js';
import { quoteIdent, quoteLiteral } from './sql.js';

/** An open DuckDB connection with the config's files registered as views; `close` releases the file. */
export interface Warehouse {
  readonly connection: DuckDBConnection;
  close(): void;
}

const READERS = { csv: 'read_csv_auto', parquet: 'read_parquet', json: 'read_json_auto' } as const;

/**
 * Opens the database file read-only (or an in-memory database when there is none) and
 * registers each configured file as a temporary view named after its stream, so models can
 * select from it. Temporary objects live outside the read-only file, so this never writes it.
 */
export async function openWarehouse(config: ResolvedConfig): Promise<Warehouse> {
  const options: Record<string, string> = config.memoryLimit === undefined ? {} : { memory_limit: config.memoryLimit };
  const instance =
    config.path === undefined ? await DuckDBInstance.create(':memory:', options) : await openFile(config.path, options);
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    for (const file of config.files) await registerFile(connection, file);
  } catch (error) {
    connection?.closeSync();
    instance.closeSync();
    throw error;
  }
  const open = connection;
  return {
    connection: open,
    close() {
      open.closeSync();
      instance.closeSync();
    },
  };
}

async function openFile(path: string, options: Record<string, string>): Promise<DuckDBInstance> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ConfigError(`database path ${path} is not a file`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`database file not found: ${path}`);
    throw new ConfigError(`cannot access database file ${path}: ${(error as Error).message}`);
  }
  try {
    return await DuckDBInstance.create(path, { ...options, access_mode: 'READ_ONLY' });
  } catch (error) {
    const message = duckdbMessage(error);
    if (isLockConflict(error)) {
      throw new TransientError(`database file ${path} is locked by another process: ${message}`, { cause: error });
    }
    if (/not a valid DuckDB database/i.test(message)) {
      throw new ConfigError(`${path} is not a DuckDB database file: ${message}`, { cause: error });
    }
    throw new ConfigError(`cannot open DuckDB database ${path}: ${message}`, { cause: error });
  }
}

async function registerFile(connection: DuckDBConnection, file: FileStreamConfig): Promise<void> {
  const reader = `${READERS[file.format]}(${quoteLiteral(file.path)})`;
  try {
    await connection.run(`CREATE TEMP VIEW ${quoteIdent(file.name)} AS SELECT * FROM ${reader}`);
  } catch (error) {
    const message = duckdbMessage(error);
    if (/no files found/i.test(message)) {
      throw new ConfigError(`file stream "${file.name}": file not found: ${file.path} (${message})`, { cause: error });
    }
    throw new ConfigError(`file stream "${file.name}": cannot read ${file.path} as ${file.format}: ${message}`, {
      cause: error,
    });
  }
}

/** Runs `use` with an open warehouse and always closes it. */
export async function withWarehouse<T>(config: ResolvedConfig, use: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await openWarehouse(config);
  try {
    return await use(warehouse);
  } finally {
    warehouse.close();
  }
}
