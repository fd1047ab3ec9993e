import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local fake of {{title}}'s API for the tests. It enforces what the real API enforces —
// replace these rules with your API's documented ones:
// - `Authorization: Bearer <key>`, else 401
// - at most `batchLimit` records per batch, else 400 {"error":"batch_too_large"}
// - at most `requestsPerWindow` requests per `windowMs`, else 429 with Retry-After (seconds)
// - per record: `email` required and containing "@", typed fields of the right type; a bad
//   record gets {"status":"error"} in the results while the others are written

export const FIELDS = [
  { name: 'email', type: 'string', required: true, unique: true },
  { name: 'name', type: 'string' },
  { name: 'score', type: 'number' },
] as const;

export interface FakeApiOptions {
  readonly apiKey?: string;
  readonly batchLimit?: number;
  readonly requestsPerWindow?: number;
  readonly windowMs?: number;
  /** The fake's clock; tests advance it instead of sleeping. */
  readonly now?: () => number;
}

export interface FakeApi {
  readonly url: string;
  readonly apiKey: string;
  /** Stored records by email. */
  readonly records: Map<string, Record<string, unknown>>;
  /** Status codes answered, in order. */
  readonly statuses: number[];
  close(): Promise<void>;
}

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const apiKey = options.apiKey ?? 'test-key-123';
  const batchLimit = options.batchLimit ?? 100;
  const perWindow = options.requestsPerWindow ?? Infinity;
  const windowMs = options.windowMs ?? 1000;
  const now = options.now ?? Date.now;
  const records = new Map<string, Record<string, unknown>>();
  const statuses: number[] = [];
  let windowStart = now();
  let inWindow = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    statuses.push(status);
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(res, 401, { error: 'unauthorized' });
    if (now() - windowStart >= windowMs) {
      windowStart = now();
      inWindow = 0;
    }
    if (++inWindow > perWindow) {
      const seconds = Math.ceil((windowStart + windowMs - now()) / 1000);
      return send(res, 429, { error: 'rate_limited' }, { 'retry-after': String(Math.max(1, seconds)) });
    }
    if (req.method === 'GET' && req.url === '/v1/fields') return send(res, 200, { fields: FIELDS });
    if (req.method === 'POST' && req.url === '/v1/records/batch') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { records?: unknown };
      if (!Array.isArray(body.records))
        return send(res, 400, { error: 'invalid_body', message: '"records" must be an array' });
      if (body.records.length > batchLimit) {
        return send(res, 400, { error: 'batch_too_large', message: `at most ${batchLimit} records per batch` });
      }
      const results = (body.records as Record<string, unknown>[]).map((record, index) => {
        const problem = validate(record);
        if (problem) return { index, status: 'error', ...problem };
        const email = String(record.email);
        const status = records.has(email) ? 'updated' : 'created';
        records.set(email, { ...records.get(email), ...record });
        return { index, status };
      });
      return send(res, 200, { results });
    }
    return send(res, 404, { error: 'not_found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    records,
    statuses,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function validate(record: Record<string, unknown>): { field: string; message: string } | undefined {
  if (typeof record.email !== 'string' || !record.email.includes('@')) {
    return { field: 'email', message: `email ${JSON.stringify(record.email ?? null)} is not an e-mail address` };
  }
  for (const field of FIELDS) {
    const value = record[field.name];
    if (value !== undefined && value !== null && typeof value !== field.type) {
      return { field: field.name, message: `${field.name} must be a ${field.type}` };
    }
  }
  return undefined;
}
