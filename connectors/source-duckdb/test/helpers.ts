import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AirbyteStream, ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { configuredCatalog } from '@backflow/protocol/testing';

/** A temporary folder removed by the returned `cleanup`. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'source-duckdb-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Creates (or opens) a DuckDB file, runs `sql` in it and closes it again, releasing the lock. */
export async function runSql(path: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export { findStream } from '@backflow/protocol/testing';

export function configure(
  streams: readonly AirbyteStream[],
  options: { incremental?: boolean; cursor?: string; primaryKey?: string[] } = {},
): ConfiguredAirbyteCatalog {
  return configuredCatalog(streams, {
    sync_mode: options.incremental ? 'incremental' : 'full_refresh',
    ...(options.cursor ? { cursor_field: [options.cursor] } : {}),
    ...(options.primaryKey ? { primary_key: options.primaryKey.map((key) => [key]) } : {}),
  });
}
