import { BigQuery } from '@google-cloud/bigquery';
import { JWT } from 'google-auth-library';
import type { AirbyteStream, ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { configuredCatalog } from '@backflow/protocol/testing';
import { startBigQueryFake, type BigQueryFake, type ServiceAccountKey } from '../../../test/fakes/bigquery/index.js';
import { createBigQuerySource, type BigQuerySourceConfig, type ClientFactory } from '../src/index.js';

export const PROJECT = 'backflow-bq-test';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export { startBigQueryFake, type BigQueryFake, type ServiceAccountKey };

/**
 * A client for the fake built as its README shows: the token exchange is redirected to the
 * key's token_uri by the test's own auth client, independent of the connector's.
 */
export function fakeClientFactory(fake: BigQueryFake): ClientFactory {
  return (settings) => {
    const key = settings.key;
    const jwt = new JWT({
      email: key.client_email,
      key: key.private_key,
      keyId: key.private_key_id,
      scopes: ['https://www.googleapis.com/auth/bigquery'],
    });
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(fake.tokenUri);
        return config;
      },
    });
    return new BigQuery({
      projectId: settings.projectId,
      location: settings.location,
      apiEndpoint: settings.apiEndpoint ?? fake.url,
      authClient: jwt,
      autoRetry: false,
    });
  };
}

/** The source wired to `fake`, with retries that record their waits instead of sleeping. */
export function sourceFor(fake: BigQueryFake) {
  const waits: number[] = [];
  const source = createBigQuerySource({
    makeClient: fakeClientFactory(fake),
    retry: {
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  });
  return { source, waits };
}

export function configFor(
  fake: BigQueryFake,
  overrides: Partial<BigQuerySourceConfig> = {},
  credentials: ServiceAccountKey = fake.credentials,
): BigQuerySourceConfig {
  return {
    credentials_json: JSON.stringify(credentials),
    project_id: fake.projectId,
    dataset_id: 'analytics',
    api_endpoint: fake.url,
    ...overrides,
  };
}

/** The query configuration of the latest jobs.insert the fake received. */
export function lastJobQuery(fake: BigQueryFake): {
  query: string;
  parameterMode?: string;
  queryParameters?: unknown[];
  dryRun?: boolean;
} {
  const body = fake.requests.filter((request) => request.method === 'jobs.insert').at(-1)?.body as {
    configuration: { query: { query: string; parameterMode?: string; queryParameters?: unknown[] }; dryRun?: boolean };
  };
  return { ...body.configuration.query, ...(body.configuration.dryRun ? { dryRun: true } : {}) };
}

/** The job ids of the latest `count` jobs.insert requests. */
export function lastJobIds(fake: BigQueryFake, count: number): string[] {
  return fake.requests
    .filter((request) => request.method === 'jobs.insert')
    .slice(-count)
    .map((request) => (request.body as { jobReference: { jobId: string } }).jobReference.jobId);
}

export { findStream } from '@backflow/protocol/testing';

export function configure(
  streams: readonly AirbyteStream[],
  options: { incremental?: boolean; cursor?: string; primaryKey?: string[] } = {},
): ConfiguredAirbyteCatalog {
  return configuredCatalog(streams, {
    sync_mode: options.incremental ? 'incremental' : 'full_refresh',
    ...(options.cursor ? { cursor_field: [options.cursor] } : {}),
    ...(options.primaryKey ? { primary_key: options.primaryKey.map((key) => [key]) } : {}),
  });
}
