/** One request the fake answered. */
export interface FakeCall {
  method: string;
  /** Path without the query, e.g. `/api/v2/users/create_or_update_many`. */
  path: string;
  query: string;
  status: number;
  /** Fake-clock time of the request. */
  at: number;
}

/** Every request the fake answered, for counting calls per endpoint. */
export class CallLog {
  readonly all: FakeCall[] = [];

  add(call: FakeCall): void {
    this.all.push(call);
  }

  /** Calls whose `METHOD path` matches, e.g. `POST /api/v2/users/create_or_update_many`. */
  count(method: string, path: string | RegExp): number {
    return this.all.filter(
      (call) => call.method === method && (typeof path === 'string' ? call.path === path : path.test(call.path)),
    ).length;
  }

  /** Calls that change records: bulk submissions (POST, PUT, DELETE). */
  get writes(): number {
    return this.all.filter((call) => call.method !== 'GET').length;
  }

  get rateLimited(): number {
    return this.all.filter((call) => call.status === 429).length;
  }

  reset(): void {
    this.all.length = 0;
  }
}
