import {
  ConfigError,
  defineDestination,
  loadSpec,
  type CheckResult,
  type ConnectorContext,
  type DestinationDefinition,
} from '@backflow/protocol/connector';
import { deliverBatch, deliverEach } from './deliver.js';
import type { Config } from './generated/config.js';
import { settingsOf, type Settings } from './settings.js';
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
    check: async (ctx) => {
      const { settings, client } = connect(ctx);
      if (settings.bodyTemplate !== undefined) {
        // A templated body would create something real (a chat message, a ticket): check only
        // that the endpoint answers, sending no body.
        await client.reach();
        return { ok: true, message: `${new URL(settings.url).origin} answers; the body template compiles` };
      }
      return checkWithEmptyBatch(settings, client);
    },
    open: async (ctx) => {
      const { settings, client } = connect(ctx);
      const { bodyTemplate, deleteBodyTemplate } = settings;
      if (bodyTemplate === undefined)
        return { write: async (batch) => ({ rejected: await deliverBatch(client, batch, settings.batchSize) }) };
      const mirrored = ctx.catalog.streams.find((s) => s.behaviour === 'mirror');
      if (mirrored && deleteBodyTemplate === undefined) {
        throw new ConfigError(
          `stream "${mirrored.stream.name}" is mirrored: with config.body_template, set config.delete_body_template for the records it removes`,
        );
      }
      return {
        write: async (batch) => ({ rejected: await deliverEach(client, batch, bodyTemplate, deleteBodyTemplate) }),
      };
    },
  });
}

/** An empty batch proves the URL answers and accepts the headers and signature, writing nothing. */
async function checkWithEmptyBatch(settings: Settings, client: WebhookClient): Promise<CheckResult> {
  try {
    await client.post(JSON.stringify({ check: true, records: [] }), 'check');
  } catch (error) {
    if (error instanceof BatchRefused)
      return { ok: false, message: `the endpoint refused an empty batch: ${error.message}` };
    throw error;
  }
  return { ok: true, message: `${new URL(settings.url).origin} accepted an empty batch` };
}

/** POSTs records as JSON to a URL: in batches, or one per request from a body template. */
export const destination = createWebhookDestination();
