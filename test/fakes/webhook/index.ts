import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Refuses a whole batch when one of its records matches. */
export interface RejectRule {
  status: 400 | 422;
  when: (record: unknown) => boolean;
  /** Reason put in the JSON body; default `record rejected`. */
  reason?: string | ((record: unknown) => string);
}

export interface WebhookFailure {
  status: number;
  /** How many requests to fail; default 1. */
  times?: number;
  /** `Retry-After` header in seconds. */
  retryAfter?: number;
}

export interface WebhookReceiverOptions {
  /** When set, every request must carry `sha256=<hex HMAC-SHA256 of the raw body>`; otherwise 401. */
  secret?: string;
  /** Header carrying the signature; default `x-backflow-signature`. */
  signatureHeader?: string;
  /** Rejection rule active from the start (see `rejectWhen`). */
  failWith?: RejectRule;
  /** Where the records of a body are; default: the body itself if an array, else `body.records`. */
  records?: (body: unknown) => unknown[];
}

/** One request as received, with the answer given. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every request in arrival order, failed ones included. */
  requests: ReceivedRequest[];
  /** Records of the batches answered 2xx, in arrival order. */
  accepted(): unknown[];
  /** Request counts: total, and per answered status. */
  calls: { readonly total: number; byStatus(): Record<number, number> };
  failNext(failure: WebhookFailure): void;
  /** Replaces the rejection rule; `undefined` accepts everything again. */
  rejectWhen(rule: RejectRule | undefined): void;
  close(): Promise<void>;
}

/** Signs a body the way the receiver verifies it: `sha256=` + hex HMAC-SHA256. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Starts a webhook endpoint on 127.0.0.1 that records and checks what destinations POST. */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const acceptedRecords: unknown[] = [];
  const failures: WebhookFailure[] = [];
  let rule = options.failWith;
  const signatureHeader = (options.signatureHeader ?? 'x-backflow-signature').toLowerCase();
  const recordsOf = options.records ?? defaultRecords;

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const body = parseOrRaw(raw);
    const reply = decide(req, raw, body);
    requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
      status: reply.status,
    });
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(reply.body));
  };

  const decide = (req: IncomingMessage, raw: string, body: unknown): Reply => {
    if (req.method !== 'POST') return { status: 405, body: { error: 'method_not_allowed' } };
    const failure = failures[0];
    if (failure) {
      if ((failure.times ?? 1) <= 1) failures.shift();
      else failures[0] = { ...failure, times: (failure.times ?? 1) - 1 };
      const headers = failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : undefined;
      return { status: failure.status, body: { error: 'injected_failure' }, ...(headers ? { headers } : {}) };
    }
    if (options.secret !== undefined && !signatureMatches(options.secret, raw, req.headers[signatureHeader])) {
      return { status: 401, body: { error: 'invalid_signature' } };
    }
    if (typeof body === 'string') return { status: 400, body: { error: 'invalid_json' } };
    const records = recordsOf(body);
    const index = rule ? records.findIndex((record) => rule?.when(record)) : -1;
    if (rule && index >= 0) {
      const record = records[index];
      const reason = typeof rule.reason === 'function' ? rule.reason(record) : (rule.reason ?? 'record rejected');
      return { status: rule.status, body: { error: 'rejected', reason, index, record } };
    }
    acceptedRecords.push(...records);
    return { status: 200, body: { ok: true, received: records.length } };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: () => [...acceptedRecords],
    calls: {
      get total() {
        return requests.length;
      },
      byStatus() {
        const counts: Record<number, number> = {};
        for (const request of requests) counts[request.status] = (counts[request.status] ?? 0) + 1;
        return counts;
      },
    },
    failNext: (failure) => failures.push(failure),
    rejectWhen: (next) => {
      rule = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function defaultRecords(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const records = (body as { records?: unknown } | null)?.records;
  return Array.isArray(records) ? records : [];
}

function parseOrRaw(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function signatureMatches(secret: string, raw: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signWebhookBody(secret, raw));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
