import {
  ConfigError,
  TransientError,
  backoffMs,
  retryAfterMs,
  type Logger,
  type Timing,
} from '@backflow/protocol/connector';
import { Client } from '@hubspot/api-client';

/** A HubSpot property as the properties API lists it (the fields read here). */
export interface HubSpotProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
}

/** One page of a search answer. */
export interface SearchPage {
  total: number;
  results: { id: string; properties: Record<string, string | null> }[];
  after: string | undefined;
}

export interface SearchRequest {
  filterGroups: { filters: { propertyName: string; operator: string; value?: string }[] }[];
  sorts: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  properties: string[];
  limit: number;
  after?: string;
}

/** What `@hubspot/api-client` throws for a non-2xx answer (its `ApiException`). */
interface ApiException {
  code: number;
  body: unknown;
  headers: Record<string, string | undefined>;
}

/**
 * The two HubSpot calls a read needs, through the official client: the properties of an
 * object, and search pages. Searches are paced to `searchesPerSecond` in any rolling second
 * (HubSpot allows five per account); a 429 waits as `Retry-After` says, a 5xx backs off, each
 * at most `maxRetries` times.
 */
export class HubSpotReader {
  private readonly client: Client;
  private readonly searches: number[] = [];

  constructor(
    options: { accessToken: string; basePath: string },
    private readonly limits: { searchesPerSecond: number; maxRetries: number },
    private readonly timing: Timing,
    private readonly logger: Logger,
    private readonly signal: AbortSignal,
  ) {
    this.client = new Client({
      accessToken: options.accessToken,
      basePath: options.basePath,
      numberOfApiCallRetries: 0,
    });
  }

  async properties(objectType: string): Promise<HubSpotProperty[]> {
    try {
      const answer = await this.send(`listing the properties of ${objectType}`, () =>
        this.client.crm.properties.coreApi.getAll(objectType),
      );
      return answer.results;
    } catch (error) {
      if (
        isApiException(error) &&
        (error.code === 400 || error.code === 404 || error.code === 401 || error.code === 403)
      ) {
        throw new ConfigError(
          `object type "${objectType}": HubSpot answered ${error.code}: ${messageOf(error) ?? 'no message'}`,
        );
      }
      throw error;
    }
  }

  async search(objectType: string, request: SearchRequest): Promise<SearchPage> {
    await this.paceSearch();
    const answer = await this.send(`search of ${objectType}`, () =>
      // The client types `sorts` as strings; HubSpot's search takes sort objects (its docs).
      this.client.crm.objects.searchApi.doSearch(objectType, request as never),
    );
    return {
      total: answer.total,
      results: answer.results.map((result) => ({ id: result.id, properties: result.properties })),
      after: answer.paging?.next?.after,
    };
  }

  private async paceSearch(): Promise<void> {
    for (;;) {
      const now = this.timing.now();
      while (this.searches.length > 0 && this.searches[0]! <= now - 1000) this.searches.shift();
      if (this.searches.length < this.limits.searchesPerSecond) {
        this.searches.push(now);
        return;
      }
      await this.timing.sleep(this.searches[0]! + 1000 - now, this.signal);
    }
  }

  private async send<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isApiException(error) || (error.code !== 429 && error.code < 500)) throw error;
        if (attempt > this.limits.maxRetries) {
          throw new TransientError(
            `${what}: HubSpot answered ${error.code} ${attempt} times: ${messageOf(error) ?? 'no message'}`,
          );
        }
        const waitMs =
          (error.code === 429 ? retryAfterMs(error.headers['retry-after'], this.timing.now()) : undefined) ??
          backoffMs(attempt, this.timing.random());
        this.logger.warn('%s: HubSpot answered %d; retrying in %d ms', what, error.code, waitMs);
        await this.timing.sleep(waitMs, this.signal);
      }
    }
  }
}

function isApiException(error: unknown): error is ApiException {
  return (
    typeof error === 'object' && error !== null && typeof (error as ApiException).code === 'number' && 'body' in error
  );
}

function messageOf(error: ApiException): string | undefined {
  const body = error.body as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : undefined;
}
