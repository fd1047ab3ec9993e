import type { ObjectStore } from './object-store.js';
import type { SchemaRegistry } from './schema.js';
import type { SearchLimiter } from './search-handlers.js';
import type { BatchOperation } from './types.js';

/** What every handler may use; built once per fake. */
export interface HandlerContext {
  schema: SchemaRegistry;
  store: ObjectStore;
  now: () => number;
  portalId: number;
  maxBatchSize: number;
  /** Batch operations that answer 207 per input when every input carries an `objectWriteTraceId`. */
  multiStatusOperations: ReadonlySet<BatchOperation>;
  /** The search endpoints' own per-second limit. */
  searches: SearchLimiter;
}

export interface FakeRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  body: unknown;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
