import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import { CallLog } from './call-log.js';
import type { HandlerContext } from './context.js';
import { ObjectStore } from './object-store.js';
import { RateLimiter } from './rate-limiter.js';
import type { RateLimitOptions } from './rate-limiter.js';
import { SchemaRegistry, defaultProperties } from './schema.js';
import { SearchLimiter } from './search-handlers.js';
import { listen } from './server.js';
import type { InjectedFailure } from './server.js';
import type { BatchOperation, CustomObjectDefinition, PropertyDefinition, StandardObjectType } from './types.js';

export interface HubSpotFakeOptions {
  /** Private-app token the fake accepts; a random `pat-na1-…` token by default. */
  token?: string;
  portalId?: number;
  /** Clock in epoch milliseconds, for rate-limit windows and record timestamps. */
  now?: () => number;
  rateLimit?: RateLimitOptions;
  /** Replaces the default property list of a standard object (extend `defaultProperties()` to add). */
  properties?: Partial<Record<StandardObjectType, PropertyDefinition[]>>;
  customObject?: CustomObjectDefinition;
  /**
   * Batch operations that answer 207 with per-input errors when every input carries a unique
   * `objectWriteTraceId`. HubSpot documents this for batch create only, which is the default.
   */
  multiStatusOperations?: BatchOperation[];
  /**
   * Milliseconds every answer is held before it is sent (real HubSpot answers in 100–500 ms),
   * after the request was counted against the rate limit, as HubSpot counts on arrival.
   */
  latencyMs?: number;
  /**
   * Holds each answer until the promise it returns settles, instead of `latencyMs` on real
   * timers: tests choose when answers go (`route` is e.g. `POST /crm/v3/objects/contacts/batch/upsert`).
   */
  hold?: (route: string) => Promise<void>;
}

/** A running fake HubSpot CRM API. */
export interface HubSpotFake {
  /** Base URL to give the SDK as `basePath`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  token: string;
  portalId: number;
  store: ObjectStore;
  calls: CallLog;
  limiter: RateLimiter;
  /** Requests received and not yet answered: now, and the most at any moment. */
  inFlight: { readonly now: number; readonly peak: number };
  /** Answers the next matching request(s) with this status instead of handling them. */
  failNext(failure: InjectedFailure): void;
  close(): Promise<void>;
}

/** Starts a fake HubSpot CRM API on 127.0.0.1 with an ephemeral port. */
export async function startHubSpotFake(options: HubSpotFakeOptions = {}): Promise<HubSpotFake> {
  const now = options.now ?? Date.now;
  const portalId = options.portalId ?? 12_345_678;
  const token = options.token ?? `pat-na1-${randomBytes(16).toString('hex')}`;
  const schema = new SchemaRegistry(portalId, { ...defaultProperties(), ...options.properties }, options.customObject);
  const store = new ObjectStore(schema, now);
  const ctx: HandlerContext = {
    schema,
    store,
    now,
    portalId,
    maxBatchSize: 100,
    multiStatusOperations: new Set(options.multiStatusOperations ?? ['create']),
    searches: new SearchLimiter(),
  };
  const limiter = new RateLimiter(options.rateLimit ?? {}, now);
  const calls = new CallLog();
  const failures: InjectedFailure[] = [];
  const latencyMs = options.latencyMs ?? 0;
  const inFlight = { now: 0, peak: 0 };
  const { server, url } = await listen({
    ctx,
    token,
    limiter,
    calls,
    failures,
    inFlight,
    hold: options.hold ?? (latencyMs > 0 ? () => delay(latencyMs) : undefined),
  });
  return {
    url,
    token,
    portalId,
    store,
    calls,
    limiter,
    inFlight,
    failNext: (failure) => failures.push(failure),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK's agent keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

export { defaultProperties };
export type { CallLog, CallRecord } from './call-log.js';
export { operationOf, specViolations } from './openapi.js';
export { SEARCH_LIMITS } from './search-handlers.js';
export type { ObjectStore, PublicRecord, SeedRecord } from './object-store.js';
export type { InjectedFailure } from './server.js';
export type { RateLimitOptions } from './rate-limiter.js';
export type {
  BatchOperation,
  CustomObjectDefinition,
  FieldType,
  PropertyDefinition,
  PropertyOption,
  PropertyType,
  StandardObjectType,
} from './types.js';
