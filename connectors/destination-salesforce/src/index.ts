import {
  defineDestination,
  loadSpec,
  systemTiming,
  type DestinationDefinition,
  type Timing,
} from '@backflow/protocol/connector';
import { checkConnection } from './check.js';
import { connect } from './connect.js';
import { discoverObjects } from './discover.js';
import type { Config } from './generated/config.js';
import { openSalesforceWriter } from './open-writer.js';

export type { Config } from './generated/config.js';
export type { Timing } from '@backflow/protocol/connector';

export interface SalesforceDestinationOptions {
  /** Clock, sleeps and jitter; tests pass a virtual clock so backoff and Bulk polling cost no real time. */
  timing?: Timing;
}

/** The Salesforce destination with injected timing. */
export function createSalesforceDestination(options: SalesforceDestinationOptions = {}): DestinationDefinition<Config> {
  const spec = loadSpec(import.meta.url, '../spec.json');
  const timing = options.timing ?? systemTiming;
  return defineDestination<Config>({
    spec,
    check: async (ctx) => {
      const { api, settings } = await connect(ctx, spec, timing);
      return checkConnection(api, settings.objects);
    },
    discover: async (ctx) => {
      const { api, settings } = await connect(ctx, spec, timing);
      return discoverObjects(api, settings.objects);
    },
    open: async (ctx) => {
      const { api, settings, bulk } = await connect(ctx, spec, timing);
      return openSalesforceWriter(api, ctx.catalog, settings.bulkThreshold, bulk);
    },
  });
}

/** Writes streams into Salesforce objects through sObject Collections and Bulk API 2.0. */
export const destination = createSalesforceDestination();
