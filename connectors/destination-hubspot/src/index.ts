import { defineDestination, loadSpec, type DestinationDefinition } from '@backflow/protocol/connector';
import { checkConnection } from './check.js';
import { connect } from './connect.js';
import { discoverObjects } from './discover.js';
import type { Config } from './generated/config.js';
import { openHubSpotWriter } from './open-writer.js';
import { systemTiming, type Timing } from '@backflow/protocol/connector';

export type { Config } from './generated/config.js';
export type { Timing } from '@backflow/protocol/connector';

export interface HubSpotDestinationOptions {
  /** Clock, sleeps and jitter; tests pass a virtual clock so rate limits and backoff cost no real time. */
  timing?: Timing;
}

/** The HubSpot destination with injected timing. */
export function createHubSpotDestination(options: HubSpotDestinationOptions = {}): DestinationDefinition<Config> {
  const spec = loadSpec(import.meta.url, '../spec.json');
  const timing = options.timing ?? systemTiming;
  return defineDestination<Config>({
    spec,
    check: (ctx) => {
      const { api, settings } = connect(ctx, spec, timing);
      return checkConnection(api, settings.objectTypes);
    },
    discover: (ctx) => {
      const { api, settings } = connect(ctx, spec, timing);
      return discoverObjects(api, settings.objectTypes);
    },
    open: (ctx) => openHubSpotWriter(connect(ctx, spec, timing).api, ctx.catalog),
  });
}

/** Writes streams into HubSpot CRM objects with batch upsert, update, create and archive. */
export const destination = createHubSpotDestination();
