import { backoffMs, ConfigError, retryAfterMs, TransientError } from '@backflow/protocol/connector';

/** What the client needs from the outside world; tests inject a clock that does not sleep. */
export interface ClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly maxRetries: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** A field of the target's records, as `GET /v1/fields` lists them. */
export interface ApiField {
  readonly name: string;
  readonly type: 'string' | 'number' | 'boolean';
  readonly required?: boolean;
  readonly unique?: boolean;
}

/** One record's outcome in `POST /v1/records/batch`. */
export interface ApiResult {
  readonly index: number;
  readonly status: 'created' | 'updated' | 'error';
  readonly message?: string;
  readonly field?: string;
}

/**
 * {{title}}'s API: JSON over HTTPS with a bearer key. Retries 429 (after Retry-After) and
 * 5xx (exponential backoff) up to `maxRetries` times; refuses to go on after a 401.
 */
export class ApiClient {
  constructor(private readonly options: ClientOptions) {}

  async fields(): Promise<ApiField[]> {
    const body = (await this.request('GET', '/v1/fields')) as { fields: ApiField[] };
    return body.fields;
  }

  async upsert(records: readonly Record<string, unknown>[]): Promise<ApiResult[]> {
    const body = (await this.request('POST', '/v1/records/batch', { records })) as { results: ApiResult[] };
    return body.results;
  }

  private async request(method: string, path: string, payload?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      });
      if (response.ok) return response.json();
      const text = await response.text();
      if (response.status === 401) throw new ConfigError(`the API key was refused (401): ${text}`);
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable) throw new ApiError(response.status, text);
      if (attempt > this.options.maxRetries) {
        throw new TransientError(`${method} ${path} still answers ${response.status} after ${attempt} attempts`);
      }
      const wait =
        retryAfterMs(response.headers.get('retry-after') ?? undefined, this.options.now()) ??
        backoffMs(attempt, Math.random());
      await this.options.sleep(wait);
    }
  }
}

/** An answer the API gave about the request itself (4xx other than 401 and 429). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`the API answered ${status}: ${body}`);
  }
}
