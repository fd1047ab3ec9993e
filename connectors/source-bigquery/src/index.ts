import { defineSource, loadSpec, type SourceDefinition } from '@backflow/protocol/connector';
import type { ConnectorContext } from '@backflow/protocol/connector';
import { checkWarehouse } from './check.js';
import { defaultClient, type ClientFactory } from './client.js';
import { readStream } from './read.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { resolveSettings, type SourceConfig } from './settings.js';
import { buildCatalog, listSources } from './streams.js';
import { Warehouse } from './warehouse.js';

export type { BigQuerySourceConfig } from './generated/config.js';
export type { ClientFactory } from './client.js';
export type { CursorState } from '@backflow/protocol/connector';
export type { RetryPolicy } from './retry.js';
export type { ServiceAccountKey, Settings, SourceConfig } from './settings.js';
export { authClientFor, defaultClient } from './client.js';
export { DEFAULT_RETRY_POLICY } from './retry.js';

/** What a BigQuery source is built from; production uses the defaults, tests inject a client and fast retries. */
export interface BigQuerySourceOptions {
  /** Builds the BigQuery client for a run (default: the key's service account against `api_endpoint`). Library retries should be off. */
  readonly makeClient?: ClientFactory;
  /** Retries of 429/5xx answers (default: 6 attempts, exponential backoff from 1 s, Retry-After honoured). */
  readonly retry?: Partial<RetryPolicy>;
}

/** A BigQuery source whose client and retry policy are injected (for tests and embedders). */
export function createBigQuerySource(options: BigQuerySourceOptions = {}): SourceDefinition<SourceConfig> {
  const makeClient = options.makeClient ?? defaultClient;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const open = ({ config, signal }: ConnectorContext<SourceConfig>): Warehouse => {
    const settings = resolveSettings(config);
    return new Warehouse(() => makeClient(settings), settings, retry, signal);
  };
  return defineSource<SourceConfig>({
    spec: loadSpec(import.meta.url, '../spec.json'),
    check: (ctx) => checkWarehouse(() => open(ctx)),
    discover: async (ctx) => buildCatalog(await listSources(open(ctx))),
    read: (ctx, request) => readStream(open(ctx), request, ctx.logger),
  });
}

/** The BigQuery source: tables, views and SQL models of one dataset, full refresh or incremental. */
export const source = createBigQuerySource();
