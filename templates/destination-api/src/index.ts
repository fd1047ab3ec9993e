import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchRejectedError,
  defineDestination,
  loadSpec,
  type DestinationDefinition,
  type Rejection,
  type WithDefaults,
} from '@backflow/protocol/connector';
import { ApiClient, ApiError, type ApiField } from './client.js';
import type { Config } from './generated/config.js';

/** The config as the SDK hands it over: valid against spec.json, its defaults filled in. */
type Settings = WithDefaults<Config, 'base_url' | 'max_retries'>;

/** What tests replace: the clock the client waits on. */
export interface DestinationOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * {{title}}: upserts records through the batch API, matched by `email`. The SDK batches
 * (spec.json `limits.max_batch_size`), echoes each STATE once the records before it are
 * written, and splits a refused batch to find the bad record; the runner paces requests to
 * the declared `limits`.
 */
export function createDestination(options: DestinationOptions = {}): DestinationDefinition<Settings> {
  const client = (config: Settings) =>
    new ApiClient({
      baseUrl: config.base_url,
      apiKey: config.api_key,
      maxRetries: config.max_retries,
      sleep: options.sleep ?? ((ms) => delay(ms)),
      now: options.now ?? Date.now,
    });
  return defineDestination<Settings>({
    spec: loadSpec(import.meta.url, '../spec.json'),

    async check({ config }) {
      const fields = await client(config).fields();
      return { ok: true, message: `connected: ${fields.length} field(s)` };
    },

    async discover({ config }) {
      const fields = await client(config).fields();
      return {
        operations: [
          {
            object_name: 'records',
            sync_mode: 'append_dedup',
            json_schema: recordSchema(fields),
            matching_keys: [['email']],
          },
        ],
      };
    },

    async open({ config }) {
      const api = client(config);
      return {
        async write({ records }) {
          const rejected: Rejection[] = [];
          const upserts: { index: number; data: Record<string, unknown> }[] = [];
          records.forEach((record, index) => {
            if (record.operation === 'delete')
              rejected.push({ index, reason: 'deletes are not supported', retryable: false });
            else upserts.push({ index, data: record.data });
          });
          if (upserts.length === 0) return { rejected };
          try {
            const results = await api.upsert(upserts.map((upsert) => upsert.data));
            for (const result of results) {
              if (result.status !== 'error') continue;
              rejected.push({
                index: upserts[result.index]!.index,
                reason: result.message ?? 'refused',
                retryable: false,
                ...(result.field ? { field: result.field } : {}),
              });
            }
          } catch (error) {
            // A 4xx about the whole batch: the SDK halves it until the bad record is alone.
            if (error instanceof ApiError) throw new BatchRejectedError(error.message);
            throw error;
          }
          return { rejected };
        },
      };
    },
  });
}

/** The JSON Schema of a record, from the target's field list. */
function recordSchema(fields: readonly ApiField[]) {
  return {
    type: 'object',
    required: fields.filter((field) => field.required).map((field) => field.name),
    properties: Object.fromEntries(
      fields.map((field) => [field.name, { type: field.required ? field.type : [field.type, 'null'] }]),
    ),
  };
}

export const destination = createDestination();
