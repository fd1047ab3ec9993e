import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CallLog } from '../hubspot/call-log.js';
import { TokenIssuer } from './auth.js';
import { BulkIngest } from './bulk.js';
import { BulkQuery } from './bulk-query.js';
import { Operations } from './operations.js';
import { QueryEngine } from './query.js';
import { defaultObjects, type ObjectDefinition } from './schema.js';
import { listen, type InjectedFailure, type Outage } from './server.js';
import { RecordStore } from './store.js';

export interface SalesforceFakeOptions {
  /** Clock in epoch milliseconds: record timestamps (SystemModstamp), JWT expiry, call times. */
  now?: () => number;
  /** The org's sObjects; `defaultObjects()` by default (Account, Contact, Lead, Opportunity, Foo__c). */
  objects?: ObjectDefinition[];
  /** Daily API request allocation (default 15,000, a Developer Edition org's). */
  dailyLimit?: number;
  /** Highest API version served (default 62.0). */
  maxVersion?: number;
  /** Job-info polls a closed Bulk ingest job, or a query job, answers `InProgress` before it completes (default 1). */
  bulkPollsInProgress?: number;
  /** Milliseconds every answer is held before it is sent, after it was counted (real orgs answer in 100–500 ms). */
  latencyMs?: number;
}

/** A running fake Salesforce org: a login server issuing tokens and an instance server with the data APIs. */
export interface SalesforceFake {
  /** The login (token) server, e.g. `http://127.0.0.1:41234`: the connector's `login_url`. */
  loginUrl: string;
  /** The instance the token response points at. */
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  username: string;
  /** PEM private key whose certificate the fake's connected app holds (JWT bearer flow). */
  jwtPrivateKey: string;
  store: RecordStore;
  calls: CallLog;
  bulk: BulkIngest;
  /** Bulk API 2.0 query jobs. */
  bulkQuery: BulkQuery;
  tokens: TokenIssuer;
  /** API requests counted against the daily allocation; set `used` to simulate other integrations. */
  usage: { used: number };
  failNext(failure: InjectedFailure): void;
  /** Every data API request fails once `after` requests matching `path`/`method` got through (a hard outage at a chosen call). */
  goDownAfter(outage: Omit<Outage, 'counted'>): void;
  /** Every session ends when the next data request whose path starts with `path` arrives: it answers 401 INVALID_SESSION_ID. */
  endSessionsAt(path: string): void;
  /** Ends an outage. */
  recover(): void;
  close(): Promise<void>;
}

/** Starts a fake Salesforce org on 127.0.0.1 (two ephemeral ports). */
export async function startSalesforceFake(options: SalesforceFakeOptions = {}): Promise<SalesforceFake> {
  const now = options.now ?? Date.now;
  const maxVersion = options.maxVersion ?? 62;
  const version = () => maxVersion.toFixed(1);
  const objects = new Map((options.objects ?? defaultObjects()).map((o) => [o.name, o]));
  const store = new RecordStore(objects, now);
  const ops = new Operations(objects, store);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secrets = {
    clientId: `3MVG9${randomBytes(12).toString('hex')}`,
    clientSecret: randomBytes(16).toString('hex').toUpperCase(),
    refreshToken: `5Aep${randomBytes(20).toString('base64url')}`,
    username: 'integration@backflow.example',
  };
  const urls = { login: '', instance: '' };
  const tokens = new TokenIssuer(
    { ...secrets, jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    () => urls.login,
    now,
  );
  const calls = new CallLog();
  const failures: InjectedFailure[] = [];
  const usage = { used: 0 };
  const outage: { current: Outage | undefined } = { current: undefined };
  const sessionEnd: { path: string | undefined } = { path: undefined };
  const bulk = new BulkIngest(ops, now, version, options.bulkPollsInProgress ?? 1);
  const query = new QueryEngine(objects, store, version);
  const bulkQuery = new BulkQuery(query, now, version, options.bulkPollsInProgress ?? 1);
  const servers = await listen({
    ops,
    query,
    bulkQuery,
    bulk,
    tokens,
    calls,
    failures,
    outage,
    sessionEnd,
    now,
    maxVersion,
    dailyLimit: options.dailyLimit ?? 15_000,
    usage,
    instanceUrl: () => urls.instance,
    loginUrl: () => urls.login,
    latencyMs: options.latencyMs ?? 0,
  });
  urls.login = servers.loginUrl;
  urls.instance = servers.instanceUrl;
  const close = (server: typeof servers.login) =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return {
    loginUrl: urls.login,
    instanceUrl: urls.instance,
    ...secrets,
    jwtPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    store,
    calls,
    bulk,
    bulkQuery,
    tokens,
    usage,
    failNext: (failure) => failures.push(failure),
    goDownAfter: (down) => {
      outage.current = { ...down, counted: 0 };
    },
    endSessionsAt: (path) => {
      sessionEnd.path = path;
    },
    recover: () => {
      outage.current = undefined;
    },
    close: async () => {
      await Promise.all([close(servers.login), close(servers.instance)]);
    },
  };
}

export { defaultObjects, RecordStore };
export type { FieldDefinition, ObjectDefinition } from './schema.js';
export type { FieldValue, StoredRecord } from './store.js';
export type { InjectedFailure, Outage, SalesforceCall } from './server.js';
