import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type {
  AirbyteCatalog,
  AirbyteStream,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
} from '@backflow/protocol';

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

export function findStream(catalog: AirbyteCatalog | undefined, name: string): AirbyteStream {
  const stream = catalog?.streams.find((s) => s.name === name);
  if (!stream) throw new Error(`stream ${name} not in catalog: ${catalog?.streams.map((s) => s.name).join(', ')}`);
  return stream;
}

/** A configured catalog reading `streams` with the given mode (cursor and key as discovered unless given). */
export function configure(
  streams: readonly AirbyteStream[],
  options: { incremental?: boolean; cursor?: string; primaryKey?: string[] } = {},
): ConfiguredAirbyteCatalog {
  return {
    streams: streams.map((stream): ConfiguredAirbyteStream => ({
      stream,
      sync_mode: options.incremental ? 'incremental' : 'full_refresh',
      destination_sync_mode: 'append',
      ...(options.cursor ? { cursor_field: [options.cursor] } : {}),
      ...(options.primaryKey ? { primary_key: options.primaryKey.map((key) => [key]) } : {}),
    })),
  };
}
