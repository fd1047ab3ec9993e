import type { DuckDBConnection } from '@duckdb/node-api';
import { AuthServer } from './auth.js';
import type { ServiceAccountKey, ServiceAccountRole } from './auth.js';
import { Catalog } from './catalog.js';
import { Engine } from './engine.js';
import { FailureQueue } from './failures.js';
import type { InjectedFailure } from './failures.js';
import { JobStore } from './jobs.js';
import { TOKEN_PATH, startFrontEnd } from './server.js';
import type { Handler, RecordedRequest } from './server.js';

export type { ServiceAccountKey, ServiceAccountRole } from './auth.js';
export type { InjectedFailure } from './failures.js';
export type { RecordedRequest } from './server.js';
export { responseViolations, schemaViolations } from './discovery.js';

/** Options of {@link startBigQueryFake}. */
export interface BigQueryFakeOptions {
  projectId: string;
  /** Datasets to create up front (DuckDB schemas); more can be made with `db`. */
  datasets?: string[];
  /** Location of datasets and jobs; `US` by default. */
  location?: string;
  /** Role of the service account in `credentials`; `user` by default. */
  role?: ServiceAccountRole;
  /** Status reads that see a new job as RUNNING before it is DONE; 0 by default. */
  runningPolls?: number;
  /** Cap on the JSON size of rows in one response (BigQuery's is about 10 MB). */
  maxResponseBytes?: number;
  /** Lifetime of issued access tokens; 3599 s by default, as Google's. */
  tokenTtlSeconds?: number;
}

/** A running BigQuery fake. */
export interface BigQueryFake {
  /** Base URL to give the client as `apiEndpoint`. */
  url: string;
  /** The OAuth2 token endpoint, also the `token_uri` of every key file issued here. */
  tokenUri: string;
  projectId: string;
  /** Key file of a service account holding `options.role`, with a fresh RSA key. */
  credentials: ServiceAccountKey;
  /** DuckDB connection for seeding: the project is the default catalog, datasets are schemas. */
  db: DuckDBConnection;
  /** Calls received per method id (`jobs.insert`, `jobs.getQueryResults`, `token`, ...). */
  calls: Record<string, number>;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Creates another service account (e.g. one without permission) and returns its key file. */
  createServiceAccount(options?: { name?: string; role?: ServiceAccountRole }): ServiceAccountKey;
  /** Makes upcoming calls fail with a Google error (429, 5xx, ...), to test retries. */
  failNext(failure?: InjectedFailure): void;
  /** Expires every access token issued so far, so clients must fetch new ones. */
  expireTokens(): void;
  close(): Promise<void>;
}

const TEN_MEGABYTES = 10 * 1024 * 1024;

/**
 * Starts a local BigQuery REST API v2 on 127.0.0.1 (random port) with DuckDB behind it.
 * Point `@google-cloud/bigquery` at it with `apiEndpoint: fake.url` and an auth client
 * built from `fake.credentials` that sends token requests to its `token_uri`.
 */
export async function startBigQueryFake(options: BigQueryFakeOptions): Promise<BigQueryFake> {
  const { projectId } = options;
  const location = options.location ?? 'US';
  const maxResponseBytes = options.maxResponseBytes ?? TEN_MEGABYTES;
  const now = (): number => Date.now();
  let url = '';
  const baseUrl = (): string => url;

  const engine = await Engine.create(projectId, location);
  const db = await engine.connect();
  for (const dataset of options.datasets ?? []) {
    await db.run(`CREATE SCHEMA "${dataset.replaceAll('"', '""')}"`);
  }
  const auth = new AuthServer({
    projectId,
    tokenUri: () => `${url}${TOKEN_PATH}`,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3599,
    now,
  });
  const catalog = new Catalog(engine, { location, maxResponseBytes, createdAt: now(), baseUrl });
  const jobs = new JobStore(engine, {
    location,
    runningPolls: options.runningPolls ?? 0,
    maxResponseBytes,
    now,
    baseUrl,
  });
  const failures = new FailureQueue();
  const calls: Record<string, number> = {};
  const requests: RecordedRequest[] = [];

  const handlers: Record<string, Handler> = {
    'datasets.get': ({ params }) => catalog.getDataset(params.projectId as string, params.datasetId as string),
    'datasets.list': ({ params, query }) => catalog.listDatasets(params.projectId as string, query),
    'tables.list': ({ params, query }) =>
      catalog.listTables(params.projectId as string, params.datasetId as string, query),
    'tables.get': ({ params }) =>
      catalog.getTable(params.projectId as string, params.datasetId as string, params.tableId as string),
    'tabledata.list': ({ params, query }) =>
      catalog.listRows(params.projectId as string, params.datasetId as string, params.tableId as string, query),
    'jobs.insert': ({ params, body, principal }) => jobs.insert(params.projectId as string, body, principal),
    'jobs.get': ({ params, query }) =>
      jobs.get(params.projectId as string, params.jobId as string, query.get('location') ?? undefined),
    'jobs.cancel': ({ params, query }) =>
      jobs.cancel(params.projectId as string, params.jobId as string, query.get('location') ?? undefined),
    'jobs.query': ({ params, body, principal }) => jobs.query(params.projectId as string, body, principal),
    'jobs.getQueryResults': ({ params, query }) =>
      jobs.getQueryResults(params.projectId as string, params.jobId as string, query),
  };

  // Bound before the key file is made, so its token_uri names the real port.
  const { server, url: listening } = await startFrontEnd({ projectId, auth, failures, handlers, calls, requests });
  url = listening;

  return {
    url,
    tokenUri: `${url}${TOKEN_PATH}`,
    projectId,
    credentials: auth.createServiceAccount({ name: 'backflow-test', role: options.role ?? 'user' }),
    db,
    calls,
    requests,
    createServiceAccount: (account) => auth.createServiceAccount(account),
    failNext: (failure = {}) => failures.add(failure),
    expireTokens: () => auth.expireTokens(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      db.closeSync();
      engine.close();
    },
  };
}
