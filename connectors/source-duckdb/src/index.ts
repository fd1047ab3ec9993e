import { defineSource, loadSpec } from '@backflow/protocol/connector';
import { checkWarehouse } from './check.js';
import { resolveConfig, type SourceConfig } from './config.js';
import { discoverCatalog } from './discover.js';
import { readStream } from './read-stream.js';
import { openWarehouse, withWarehouse } from './warehouse.js';

/** source-duckdb: tables and views of a DuckDB file, CSV/Parquet/JSON files and SQL models as streams. */
export const source = defineSource<SourceConfig>({
  spec: loadSpec(import.meta.url, '../spec.json'),
  check: ({ config }) => {
    const resolved = resolveConfig(config);
    return withWarehouse(resolved, ({ connection }) => checkWarehouse(connection, resolved));
  },
  discover: ({ config }) => {
    const resolved = resolveConfig(config);
    return withWarehouse(resolved, ({ connection }) => discoverCatalog(connection, resolved));
  },
  async *read({ config, logger, signal }, request) {
    const resolved = resolveConfig(config);
    const warehouse = await openWarehouse(resolved);
    try {
      yield* readStream(warehouse.connection, resolved, request, logger, signal);
    } finally {
      warehouse.close();
    }
  },
});

export type { Config } from './generated/config.js';
export type { CursorState } from '@backflow/protocol/connector';
