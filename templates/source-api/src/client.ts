import { backoffMs, ConfigError, retryAfterMs, TransientError } from '@backflow/protocol/connector';

/** What the client needs from the outside world; tests inject a clock that does not sleep. */
export interface ClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly maxRetries: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** An order as the API returns it (a type, not an interface, so it is a record the SDK accepts). */
export type Order = {
  readonly id: number;
  readonly customer: string;
  readonly amount: number;
  readonly updated_at: string;
};

/** One page of `GET /v1/orders`, ordered by (updated_at, id). */
export interface Page {
  readonly data: Order[];
  readonly next_page_token: string | null;
}

/** Where a read starts: after this (updated_at, id), or from the beginning. */
export interface After {
  readonly updated_at: string;
  readonly id: number;
}

/** {{title}}'s API: JSON over HTTPS with a bearer key; 429 and 5xx retried, 401 refused. */
export class ApiClient {
  constructor(private readonly options: ClientOptions) {}

  /** Every page of orders after `after`, following next_page_token. */
  async *orders(pageSize: number, after: After | undefined): AsyncGenerator<Page> {
    let token: string | null = null;
    do {
      const query = new URLSearchParams({ limit: String(pageSize) });
      if (token) query.set('page_token', token);
      else if (after) {
        query.set('updated_after', after.updated_at);
        query.set('after_id', String(after.id));
      }
      const page = (await this.get(`/v1/orders?${query}`)) as Page;
      yield page;
      token = page.next_page_token;
    } while (token);
  }

  /** A cheap authenticated request, for `check`. */
  async ping(): Promise<void> {
    await this.get('/v1/orders?limit=1');
  }

  private async get(path: string): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(new URL(path, this.options.baseUrl), {
        headers: { authorization: `Bearer ${this.options.apiKey}` },
      });
      if (response.ok) return response.json();
      const text = await response.text();
      if (response.status === 401) throw new ConfigError(`the API key was refused (401): ${text}`);
      if (response.status !== 429 && response.status < 500) {
        throw new ConfigError(`GET ${path} answered ${response.status}: ${text}`);
      }
      if (attempt > this.options.maxRetries) {
        throw new TransientError(`GET ${path} still answers ${response.status} after ${attempt} attempts`);
      }
      const wait =
        retryAfterMs(response.headers.get('retry-after') ?? undefined, this.options.now()) ??
        backoffMs(attempt, Math.random());
      await this.options.sleep(wait);
    }
  }
}
