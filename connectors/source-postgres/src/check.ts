import type { CheckResult } from '@backflow/protocol/connector';
import { ConnectorError } from '@backflow/protocol/connector';
import { takeInventory } from './catalog.js';
import { withClient } from './connection.js';
import { resolveSettings, type SourceConfig } from './settings.js';

/**
 * Connects, then checks what `discover` and `read` will need: the schemas, the listed
 * tables and every model's SQL. The first problem comes back as `{ ok: false }` naming it.
 */
export async function checkConnection(config: SourceConfig): Promise<CheckResult> {
  try {
    const settings = resolveSettings(config);
    const inventory = await withClient(settings, (client) => takeInventory(client, settings));
    return {
      ok: true,
      message: `connected to ${settings.target}: ${inventory.relations.length} table(s)/view(s) and ${inventory.models.length} model(s) readable`,
    };
  } catch (error) {
    if (error instanceof ConnectorError) return { ok: false, message: error.message };
    throw error;
  }
}
