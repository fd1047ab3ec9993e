import { defineSource, loadSpec } from '@backflow/protocol/connector';
import { buildCatalog, takeInventory } from './catalog.js';
import { checkConnection } from './check.js';
import { withClient } from './connection.js';
import { toConnectorError } from './errors.js';
import { readStream } from './read.js';
import { resolveSettings, type SourceConfig } from './settings.js';

export type { PostgresSourceConfig } from './generated/config.js';
export type { CursorState } from '@backflow/protocol/connector';

/** The Postgres source: tables, views and SQL models as streams, full refresh or incremental. */
export const source = defineSource<SourceConfig>({
  spec: loadSpec(import.meta.url, '../spec.json'),
  check: ({ config }) => checkConnection(config),
  async discover({ config, logger }) {
    const settings = resolveSettings(config);
    return withClient(settings, async (client) => {
      const inventory = await takeInventory(client, settings, logger);
      try {
        return await buildCatalog(client, inventory);
      } catch (error) {
        throw toConnectorError(error, { target: settings.target, subject: 'reading column types' });
      }
    });
  },
  read: ({ config, logger }, request) => readStream(resolveSettings(config), request, logger),
});
