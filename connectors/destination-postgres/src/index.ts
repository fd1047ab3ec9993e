import { defineDestination, loadSpec } from '@backflow/protocol/connector';
import { checkConnection } from './check.js';
import { discoverTables } from './discover.js';
import type { PostgresDestinationConfig } from './generated/config.js';
import { openPostgresWriter } from './open-writer.js';
import { resolveSettings } from './settings.js';

/**
 * Writes streams into PostgreSQL tables, creating them from the stream schemas when missing:
 * upsert, update, insert, mirror or append, one transaction per checkpoint.
 */
export const destination = defineDestination<PostgresDestinationConfig>({
  spec: loadSpec(import.meta.url, '../spec.json'),
  check: ({ config }) => checkConnection(resolveSettings(config)),
  discover: ({ config }) => discoverTables(resolveSettings(config)),
  open: ({ config, catalog }) => openPostgresWriter(resolveSettings(config), catalog),
  // Plain upserts are COPYed from their JSON text, without building objects (see copy-rows.ts).
  takesRecordBytes: true,
});
