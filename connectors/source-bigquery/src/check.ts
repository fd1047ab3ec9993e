import { ConnectorError, type CheckResult } from '@backflow/protocol/connector';
import { listSources } from './streams.js';
import type { Warehouse } from './warehouse.js';

/**
 * Checks what `discover` and `read` will need: the token exchange, the dataset, the listed
 * tables, every model's SQL (dry runs) and the right to create query jobs. The first
 * problem comes back as `{ ok: false }` with a message naming it.
 */
export async function checkWarehouse(open: () => Warehouse): Promise<CheckResult> {
  try {
    const warehouse = open();
    const sources = await listSources(warehouse);
    // Models were dry-run already; without any, one dry run proves jobs may be created.
    if (warehouse.settings.models.length === 0) await warehouse.dryRun('SELECT 1', 'creating a query job');
    const tables = sources.filter((source) => source.kind !== 'model').length;
    return {
      ok: true,
      message: `dataset "${warehouse.settings.datasetId}": ${tables} table(s)/view(s) and ${sources.length - tables} model(s) readable`,
    };
  } catch (error) {
    if (error instanceof ConnectorError) return { ok: false, message: error.message };
    throw error;
  }
}
