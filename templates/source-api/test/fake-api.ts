import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Order } from '../src/client.js';

// A local fake of {{title}}'s API for the tests. It enforces what the real API enforces —
// replace these rules with your API's documented ones:
// - `Authorization: Bearer <key>`, else 401
// - `limit` at most 100, else 400
// - orders sorted by (updated_at, id); `updated_after` + `after_id` select those after that
//   tuple; `page_token` (opaque) continues a listing
// - at most `requestsPerWindow` requests per `windowMs`, else 429 with Retry-After (seconds)

export interface FakeApiOptions {
  readonly orders?: readonly Order[];
  readonly apiKey?: string;
  readonly requestsPerWindow?: number;
  readonly windowMs?: number;
  /** The fake's clock; tests advance it instead of sleeping. */
  readonly now?: () => number;
}

export interface FakeApi {
  readonly url: string;
  readonly apiKey: string;
  readonly orders: Order[];
  /** Status codes answered, in order. */
  readonly statuses: number[];
  close(): Promise<void>;
}

/** 25 orders; updated_at repeats in runs of 3, so pages end inside runs of equal cursors. */
export const SAMPLE_ORDERS: readonly Order[] = Array.from({ length: 25 }, (_, i) => ({
  id: i + 1,
  customer: `c${i + 1}@example.com`,
  amount: (i + 1) * 2.5,
  updated_at: new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 3) * 3_600_000).toISOString(),
}));

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const apiKey = options.apiKey ?? 'test-key-123';
  const orders = [...(options.orders ?? SAMPLE_ORDERS)];
  const perWindow = options.requestsPerWindow ?? Infinity;
  const windowMs = options.windowMs ?? 1000;
  const now = options.now ?? Date.now;
  const statuses: number[] = [];
  let windowStart = now();
  let inWindow = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    statuses.push(status);
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(res, 401, { error: 'unauthorized' });
    if (now() - windowStart >= windowMs) {
      windowStart = now();
      inWindow = 0;
    }
    if (++inWindow > perWindow) {
      const seconds = Math.ceil((windowStart + windowMs - now()) / 1000);
      return send(res, 429, { error: 'rate_limited' }, { 'retry-after': String(Math.max(1, seconds)) });
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'GET' || url.pathname !== '/v1/orders') return send(res, 404, { error: 'not_found' });
    const limit = Number(url.searchParams.get('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return send(res, 400, { error: 'invalid_limit', message: 'limit must be 1 to 100' });
    }
    const token = url.searchParams.get('page_token');
    const after = token
      ? (JSON.parse(Buffer.from(token, 'base64url').toString()) as { updated_at: string; id: number })
      : url.searchParams.has('updated_after')
        ? { updated_at: url.searchParams.get('updated_after')!, id: Number(url.searchParams.get('after_id') ?? 0) }
        : undefined;
    const sorted = [...orders].sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id);
    const rest = after
      ? sorted.filter((o) => o.updated_at > after.updated_at || (o.updated_at === after.updated_at && o.id > after.id))
      : sorted;
    const data = rest.slice(0, limit);
    const last = data.at(-1);
    const next =
      rest.length > limit && last
        ? Buffer.from(JSON.stringify({ updated_at: last.updated_at, id: last.id })).toString('base64url')
        : null;
    return send(res, 200, { data, next_page_token: next });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    orders,
    statuses,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
