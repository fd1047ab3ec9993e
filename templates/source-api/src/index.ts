import { setTimeout as delay } from 'node:timers/promises';
import {
  checkpoint,
  defineSource,
  loadSpec,
  type SourceDefinition,
  type WithDefaults,
} from '@backflow/protocol/connector';
import { ApiClient, type After } from './client.js';
import type { Config } from './generated/config.js';

/** The config as the SDK hands it over: valid against spec.json, its defaults filled in. */
type Settings = WithDefaults<Config, 'base_url' | 'page_size' | 'max_retries'>;

/** What tests replace: the clock the client waits on. */
export interface SourceOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const ORDERS_SCHEMA = {
  type: 'object',
  required: ['id', 'updated_at'],
  properties: {
    id: { type: 'integer' },
    customer: { type: 'string' },
    amount: { type: 'number' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

/**
 * {{title}}: the `orders` stream, read page by page. Incremental reads resume after the
 * (updated_at, id) of the last record of the last page, which the API orders by, so no
 * record sharing an updated_at is skipped or read twice.
 */
export function createSource(options: SourceOptions = {}): SourceDefinition<Settings> {
  const client = (config: Settings) =>
    new ApiClient({
      baseUrl: config.base_url,
      apiKey: config.api_key,
      maxRetries: config.max_retries,
      sleep: options.sleep ?? ((ms) => delay(ms)),
      now: options.now ?? Date.now,
    });
  return defineSource<Settings>({
    spec: loadSpec(import.meta.url, '../spec.json'),

    async check({ config }) {
      await client(config).ping();
      return { ok: true };
    },

    async discover() {
      return {
        streams: [
          {
            name: 'orders',
            json_schema: ORDERS_SCHEMA,
            supported_sync_modes: ['full_refresh', 'incremental'],
            source_defined_cursor: true,
            default_cursor_field: ['updated_at'],
            source_defined_primary_key: [['id']],
          },
        ],
      };
    },

    async *read({ config }, { stream, state }) {
      const incremental = stream.sync_mode === 'incremental';
      const after = incremental ? (state as After | undefined) : undefined;
      for await (const page of client(config).orders(config.page_size, after?.updated_at ? after : undefined)) {
        yield* page.data;
        const last = page.data.at(-1);
        // A state after each page: everything up to its last record is read.
        if (incremental && last) yield checkpoint({ updated_at: last.updated_at, id: last.id });
      }
    },
  });
}

export const source = createSource();
