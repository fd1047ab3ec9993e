import { specViolations } from './openapi.js';

/** One request the fake answered. */
export interface CallRecord {
  method: string;
  path: string;
  /** `METHOD /path` with the object type as sent, e.g. `POST /crm/v3/objects/contacts/batch/upsert`. */
  route: string;
  status: number;
  /** The request body as sent (parsed when it is JSON). */
  body: unknown;
  /** The response body the fake answered, if any. */
  response?: unknown;
  /** Number of `inputs` for batch requests. */
  inputs?: number;
}

/** Counters over every request, for tests to assert call patterns (batch sizes, retries, 429s). */
export class CallLog {
  readonly records: CallRecord[] = [];
  /**
   * Every departure from HubSpot's OpenAPI seen so far, in requests or answers (see
   * `openapi.ts`); kept across `reset()`, so a test can assert none happened in its run.
   */
  readonly specViolations: string[] = [];

  record(call: CallRecord): void {
    this.records.push(call);
    this.specViolations.push(...specViolations(call));
  }

  get total(): number {
    return this.records.length;
  }

  /** Requests answered 429, injected or from the rate limiter. */
  get rateLimited(): number {
    return this.count({ status: 429 });
  }

  /** Requests matching every given filter; `path` matches exactly or, ending in `*`, as a prefix. */
  count(filter: { method?: string; path?: string; status?: number } = {}): number {
    return this.filter(filter).length;
  }

  filter(filter: { method?: string; path?: string; status?: number } = {}): CallRecord[] {
    return this.records.filter(
      (call) =>
        (filter.method === undefined || call.method === filter.method.toUpperCase()) &&
        (filter.status === undefined || call.status === filter.status) &&
        (filter.path === undefined || matchesPath(call.path, filter.path)),
    );
  }

  /** Request counts keyed by `METHOD /path`. */
  byRoute(): Record<string, number> {
    return tally(this.records.map((call) => call.route));
  }

  byMethod(): Record<string, number> {
    return tally(this.records.map((call) => call.method));
  }

  reset(): void {
    this.records.length = 0;
  }
}

function matchesPath(path: string, pattern: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}

function tally(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}
