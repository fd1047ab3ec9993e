import {
  defineDestination,
  loadSpec,
  type ConnectorContext,
  type DestinationDefinition,
} from '@backflow/protocol/connector';
import { deliverBatch } from './deliver.js';
import type { Config } from './generated/config.js';
import { settingsOf } from './settings.js';
import { systemTiming, type Timing } from '@backflow/protocol/connector';
import { BatchRefused, WebhookClient } from './webhook-client.js';

export type { Config } from './generated/config.js';
export type { Timing } from '@backflow/protocol/connector';
export { signBody, webhookBody } from './payload.js';

export interface WebhookDestinationOptions {
  /** Clock, sleeps and jitter; tests pass a virtual clock so backoff costs no real time. */
  timing?: Timing;
}

/** The webhook destination with injected timing. */
export function createWebhookDestination(options: WebhookDestinationOptions = {}): DestinationDefinition<Config> {
  const spec = loadSpec(import.meta.url, '../spec.json');
  const timing = options.timing ?? systemTiming;
  const connect = (ctx: ConnectorContext<Config>) => {
    const settings = settingsOf(ctx.config, spec);
    return { settings, client: new WebhookClient({ settings, timing, logger: ctx.logger, signal: ctx.signal }) };
  };
  return defineDestination<Config>({
    spec,
    // An empty batch proves the URL answers and accepts the headers and signature, writing nothing.
    check: async (ctx) => {
      const { settings, client } = connect(ctx);
      try {
        await client.post(JSON.stringify({ check: true, records: [] }), 'check');
      } catch (error) {
        if (error instanceof BatchRefused)
          return { ok: false, message: `the endpoint refused an empty batch: ${error.message}` };
        throw error;
      }
      return { ok: true, message: `${new URL(settings.url).origin} accepted an empty batch` };
    },
    open: async (ctx) => {
      const { settings, client } = connect(ctx);
      return { write: async (batch) => ({ rejected: await deliverBatch(client, batch, settings.batchSize) }) };
    },
  });
}

/** POSTs batches of records as JSON to a URL. */
export const destination = createWebhookDestination();
