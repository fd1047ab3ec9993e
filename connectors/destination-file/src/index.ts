import { defineDestination, loadSpec } from '@backflow/protocol/connector';
import { checkDirectory } from './check.js';
import { discoverFiles } from './discover.js';
import type { Config } from './generated/config.js';
import { openFileWriter } from './open-writer.js';

export { SUPPORTED_BEHAVIOURS } from './open-writer.js';

/** Writes each stream to a CSV, JSON Lines or JSON file, replaced atomically at each checkpoint. */
export const destination = defineDestination<Config>({
  spec: loadSpec(import.meta.url, '../spec.json'),
  check: ({ config }) => checkDirectory(config),
  discover: ({ config }) => discoverFiles(config),
  open: ({ config, catalog }) => openFileWriter(config, catalog),
});
