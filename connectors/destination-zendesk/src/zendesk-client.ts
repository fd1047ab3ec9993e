import { backoffMs, retryAfterMs, TransientError, type Logger, type Timing } from '@backflow/protocol/connector';
import { ZendeskApiError, reasonOf, type ZendeskErrorBody } from './api-error.js';
import type { MinuteBudget } from './minute-budget.js';

export interface ZendeskClientOptions {
  readonly baseUrl: string;
  /** The `Authorization` header; never logged. */
  readonly authorization: string;
  readonly budget: MinuteBudget;
  readonly timing: Timing;
  /** Retries of one request after a 429, a 5xx or a network error. */
  readonly maxRetries: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A cursor-paginated list answer (`page[size]`, `meta.has_more`, `links.next`). */
interface CursorPage {
  meta?: { has_more?: boolean };
  links?: { next?: string | null };
}

/**
 * A small typed client for the Zendesk Support REST API. node-zendesk (6.x, maintained, Node
 * ≥ 18) was weighed and not used: its throttling and retries sleep on the real clock (tests
 * here drive rate limits on an injected one), it does not expose the rate-limit headers of
 * each answer, and it has no job-status polling of its own; what remains of it for our
 * endpoints is a URL and a JSON body, which `fetch` gives directly.
 *
 * Every request is paced by the minute budget, retried on 429 (as `Retry-After` says), 5xx and
 * network errors, and turned into a ZendeskApiError otherwise.
 */
export class ZendeskClient {
  constructor(private readonly options: ZendeskClientOptions) {}

  get<T>(what: string, path: string): Promise<T> {
    return this.send<T>(what, 'GET', path);
  }

  post<T>(what: string, path: string, body: unknown): Promise<T> {
    return this.send<T>(what, 'POST', path, body);
  }

  put<T>(what: string, path: string, body: unknown): Promise<T> {
    return this.send<T>(what, 'PUT', path, body);
  }

  delete<T>(what: string, path: string): Promise<T> {
    return this.send<T>(what, 'DELETE', path);
  }

  /** Every item of a cursor-paginated list, 100 per page, following `links.next` while `meta.has_more`. */
  async *list<T>(what: string, path: string, key: string): AsyncIterable<T> {
    let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}page[size]=100`;
    while (next !== undefined) {
      const page: CursorPage & Record<string, unknown> = await this.get(what, next);
      yield* (page[key] as T[] | undefined) ?? [];
      // Only the path of `links.next` is followed, on the configured base URL: credentials never go to another host.
      next = page.meta?.has_more && page.links?.next ? pathOf(page.links.next) : undefined;
    }
  }

  private async send<T>(what: string, method: Method, path: string, body?: unknown): Promise<T> {
    const { budget, timing, signal, logger, maxRetries } = this.options;
    const url = `${this.options.baseUrl}${path}`;
    for (let attempt = 1; ; attempt++) {
      await budget.acquire(signal);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: this.options.authorization,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
        if (attempt > maxRetries)
          throw new TransientError(`${what}: cannot reach Zendesk after ${attempt} attempts: ${cause}`);
        const wait = backoffMs(attempt, timing.random());
        logger.warn('%s: %s; retry %d of %d in %d ms', what, cause, attempt, maxRetries, wait);
        await timing.sleep(wait, signal);
        continue;
      }
      budget.observe(response.headers);
      const text = await response.text();
      if (response.ok) return (text === '' ? {} : JSON.parse(text)) as T;
      const errorBody = parseError(text);
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable) throw new ZendeskApiError(response.status, errorBody, what).toConnectorError();
      const said = reasonOf(errorBody) ?? text.slice(0, 200);
      if (attempt > maxRetries) {
        throw new TransientError(
          response.status === 429
            ? `${what}: still rate-limited by Zendesk after ${maxRetries} retries (${said})`
            : `${what}: Zendesk answered ${response.status} ${attempt} times: ${said}`,
        );
      }
      const asked = retryAfterMs(response.headers.get('retry-after') ?? undefined, timing.now());
      const wait = asked ?? (response.status === 429 ? 60_000 : backoffMs(attempt, timing.random()));
      logger.warn('%s: Zendesk answered %d; retry %d of %d in %d ms', what, response.status, attempt, maxRetries, wait);
      await timing.sleep(wait, signal);
    }
  }
}

function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

// Zendesk answers errors in JSON, except some 429s and gateway errors (text/html).
function parseError(text: string): ZendeskErrorBody {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as ZendeskErrorBody) : { description: text };
  } catch {
    return { description: text.slice(0, 200) };
  }
}
