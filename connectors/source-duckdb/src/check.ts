import type { DuckDBConnection } from '@duckdb/node-api';
import type { CheckResult } from '@backflow/protocol/connector';
import type { ResolvedConfig } from './config.js';
import { discoverCatalog } from './discover.js';

/**
 * Opens everything the config names and types every stream: a missing or foreign database
 * file, a missing data file, a missing table and a model DuckDB cannot bind each fail with
 * their own message (thrown as ConfigError by the modules that meet them).
 */
export async function checkWarehouse(connection: DuckDBConnection, config: ResolvedConfig): Promise<CheckResult> {
  const { streams } = await discoverCatalog(connection, config);
  const names = streams.map((stream) => (stream.namespace ? `${stream.namespace}.${stream.name}` : stream.name));
  const shown = names.length > 20 ? [...names.slice(0, 20), `and ${names.length - 20} more`] : names;
  return { ok: true, message: `${streams.length} streams: ${shown.join(', ')}` };
}
