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
import { openZendeskWriter } from './open-writer.js';

export type { Config } from './generated/config.js';
export type { Timing } from '@backflow/protocol/connector';

export interface ZendeskDestinationOptions {
  /** Clock, sleeps and jitter; tests pass a virtual clock so rate limits, backoff and job polls cost no real time. */
  timing?: Timing;
}

/** The Zendesk destination with injected timing. */
export function createZendeskDestination(options: ZendeskDestinationOptions = {}): DestinationDefinition<Config> {
  const spec = loadSpec(import.meta.url, '../spec.json');
  const timing = options.timing ?? systemTiming;
  return defineDestination<Config>({
    spec,
    check: (ctx) => checkConnection(connect(ctx, spec, timing).client),
    discover: (ctx) => discoverObjects(connect(ctx, spec, timing).client),
    open: (ctx) => {
      const { client, settings } = connect(ctx, spec, timing);
      return openZendeskWriter(client, ctx.catalog, { timing, timeoutMs: settings.jobTimeoutMs, signal: ctx.signal });
    },
  });
}

/** Writes streams into Zendesk users, organizations and tickets through the bulk job endpoints. */
export const destination = createZendeskDestination();
