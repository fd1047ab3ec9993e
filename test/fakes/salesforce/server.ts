import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { CallLog, CallRecord } from '../hubspot/call-log.js';
import type { BulkIngest } from './bulk.js';
import type { BulkQuery } from './bulk-query.js';
import { handleCollection } from './collections.js';
import { RestError } from './errors.js';
import type { Operations } from './operations.js';
import type { QueryEngine } from './query.js';
import { describeBody } from './schema.js';
import { OAuthError, type TokenIssuer } from './auth.js';

/** A failure answered instead of handling the next matching data API requests. */
export interface InjectedFailure {
  status: number;
  /** How many requests to fail; default 1. */
  times?: number;
  /** Body; default `[{"message","errorCode"}]` with SERVER_UNAVAILABLE (503) or REQUEST_LIMIT_EXCEEDED (403). */
  body?: unknown;
  /** Only requests whose path (after `/services/data/vXX.X`) starts with this fail. */
  path?: string;
  method?: string;
}

/** The org going down hard: once `after` matching requests were answered, every data API request gets `status`. */
export interface Outage {
  after: number;
  /** Which requests count (path after `/services/data/vXX.X` starts with this); default all. */
  path?: string;
  method?: string;
  /** Default 503. */
  status?: number;
  counted: number;
}

/** A call as the log keeps it: `path` relative to `/services/data/vXX.X`, `at` the fake's clock. */
export type SalesforceCall = CallRecord & { at: number; records?: number; contentType?: string };

export interface ServerDeps {
  ops: Operations;
  query: QueryEngine;
  bulkQuery: BulkQuery;
  bulk: BulkIngest;
  tokens: TokenIssuer;
  calls: CallLog;
  failures: InjectedFailure[];
  outage: { current: Outage | undefined };
  /** Sessions end when the next request whose path starts with this arrives (then it is cleared). */
  sessionEnd: { path: string | undefined };
  now: () => number;
  maxVersion: number;
  /** Requests allowed per rolling 24 hours (the org's daily API request allocation). */
  dailyLimit: number;
  usage: { used: number };
  instanceUrl: () => string;
  loginUrl: () => string;
  /** Milliseconds every answer is held before it is sent, after it was counted (the API's latency). */
  latencyMs: number;
}

const URI_LIMIT = 16_384;

/** Starts the login server and the instance server, each on 127.0.0.1 with an ephemeral port. */
export async function listen(
  deps: ServerDeps,
): Promise<{ login: Server; instance: Server; loginUrl: string; instanceUrl: string }> {
  const login = serve((req, raw) => loginHandler(deps, req, raw), deps.latencyMs);
  const instance = serve((req, raw) => instanceHandler(deps, req, raw), deps.latencyMs);
  return { login, instance, loginUrl: await start(login), instanceUrl: await start(instance) };
}

interface Answer {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

function serve(handler: (req: IncomingMessage, raw: string) => Answer, latencyMs: number): Server {
  return createServer((req, res) => {
    readBody(req)
      .then((raw) => handler(req, raw))
      .then(async (answer) => {
        if (latencyMs > 0) await delay(latencyMs);
        write(res, answer);
      })
      .catch((error: unknown) =>
        write(res, { status: 500, body: [{ message: String(error), errorCode: 'UNKNOWN_EXCEPTION' }] }),
      );
  });
}

async function start(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function write(res: ServerResponse, answer: Answer): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  if (answer.text !== undefined) {
    res.setHeader('Content-Type', answer.contentType ?? 'text/csv');
    res.end(answer.text);
  } else if (answer.body !== undefined) {
    res.setHeader('Content-Type', 'application/json;charset=UTF-8');
    res.end(JSON.stringify(answer.body));
  } else res.end();
}

function loginHandler(deps: ServerDeps, req: IncomingMessage, raw: string): Answer {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'POST' || url.pathname !== '/services/oauth2/token')
    return { status: 404, text: 'Not Found', contentType: 'text/plain' };
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return {
      status: 400,
      body: { error: 'invalid_request', error_description: 'must use application/x-www-form-urlencoded' },
    };
  try {
    const { access_token } = deps.tokens.grant(new URLSearchParams(raw));
    const issuedAt = String(deps.now());
    return {
      status: 200,
      body: {
        access_token,
        instance_url: deps.instanceUrl(),
        id: `${deps.loginUrl()}/id/00D5g000000FAKEEAA/0055g00000AAAAAAAA`,
        token_type: 'Bearer',
        issued_at: issuedAt,
        signature: Buffer.from(issuedAt).toString('base64'),
        scope: 'api',
      },
    };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return { status: error.status, body: { error: error.error, error_description: error.description } };
  }
}

function instanceHandler(deps: ServerDeps, req: IncomingMessage, raw: string): Answer {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const match = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(url.pathname);
  const path = match?.[2] ?? url.pathname;
  let answer: Answer;
  let body: unknown;
  try {
    if ((req.url ?? '').length > URI_LIMIT) throw new RestError(414, 'URI_TOO_LONG', 'Request-URI Too Long');
    if (!match) throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const version = Number(match[1]);
    if (version > deps.maxVersion) throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const injected = takeInjected(deps.failures, method, path) ?? outageAnswer(deps.outage.current, method, path);
    if (injected) answer = injected;
    else {
      if (deps.sessionEnd.path !== undefined && path.startsWith(deps.sessionEnd.path)) {
        deps.sessionEnd.path = undefined;
        deps.tokens.expireAll();
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!deps.tokens.accepts(token)) throw new RestError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      if (deps.usage.used >= deps.dailyLimit)
        throw new RestError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      deps.usage.used++;
      body = parseBody(raw, req.headers['content-type']);
      answer = route(deps, method, path, version, url.searchParams, body, raw, req);
    }
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    answer = { status: error.status, body: error.body() };
  }
  answer.headers = { ...answer.headers, 'Sforce-Limit-Info': `api-usage=${deps.usage.used}/${deps.dailyLimit}` };
  const records = (body as { records?: unknown } | undefined)?.records;
  const ids =
    method === 'DELETE' && path === '/composite/sobjects'
      ? (url.searchParams.get('ids') ?? '').split(',').length
      : undefined;
  const call: SalesforceCall = {
    method,
    path,
    route: `${method} ${path}`,
    status: answer.status,
    body,
    at: deps.now(),
    ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    ...(Array.isArray(records) ? { records: records.length } : ids !== undefined ? { records: ids } : {}),
  };
  deps.calls.record(call);
  return answer;
}

function route(
  deps: ServerDeps,
  method: string,
  path: string,
  version: number,
  params: URLSearchParams,
  body: unknown,
  raw: string,
  req: IncomingMessage,
): Answer {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const [head, ...rest] = parts;
  const versionText = version.toFixed(1);
  if (head === 'sobjects' && method === 'GET' && rest.length === 0)
    return {
      status: 200,
      body: {
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: [...deps.ops.objects.values()].map((o) => ({
          name: o.name,
          keyPrefix: o.keyPrefix,
          custom: o.custom ?? false,
          createable: true,
          queryable: true,
        })),
      },
    };
  if (head === 'sobjects' && method === 'GET' && rest.length === 2 && rest[1] === 'describe')
    return { status: 200, body: describeBody(deps.ops.object(rest[0]!), versionText) };
  if (head === 'limits' && method === 'GET')
    return {
      status: 200,
      body: { DailyApiRequests: { Max: deps.dailyLimit, Remaining: deps.dailyLimit - deps.usage.used } },
    };
  // `queryAll` is `query` that also returns records in the recycle bin (IsDeleted = true).
  if ((head === 'query' || head === 'queryAll') && method === 'GET') {
    if (rest.length === 1) return { status: 200, body: deps.query.page(rest[0]!) };
    const q = params.get('q');
    if (!q) throw new RestError(400, 'MALFORMED_QUERY', 'q parameter is required');
    const batch = /batchSize=(\d+)/.exec(String(req.headers['sforce-query-options'] ?? ''))?.[1];
    return {
      status: 200,
      body: deps.query.run(q, { ...(batch ? { batchSize: Number(batch) } : {}), includeDeleted: head === 'queryAll' }),
    };
  }
  if (head === 'jobs' && rest[0] === 'query') {
    if (version < 47) throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const [, id, sub] = rest;
    if (id === undefined && method === 'POST') return { status: 200, body: deps.bulkQuery.create(body) };
    if (id !== undefined && sub === undefined) {
      if (method === 'GET') return { status: 200, body: deps.bulkQuery.poll(id) };
      if (method === 'PATCH') return { status: 200, body: deps.bulkQuery.abort(id, body) };
      if (method === 'DELETE') {
        deps.bulkQuery.delete(id);
        return { status: 204 };
      }
    }
    if (id !== undefined && sub === 'results' && method === 'GET') {
      const page = deps.bulkQuery.results(id, params.get('locator'), params.get('maxRecords'), versionText);
      return {
        status: 200,
        text: page.csv,
        headers: { 'Sforce-Locator': page.locator, 'Sforce-NumberOfRecords': String(page.records) },
      };
    }
  }
  if (head === 'composite' && rest[0] === 'sobjects') {
    if (version < 42 || (rest.length > 1 && version < 46))
      throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return { status: 200, body: handleCollection(deps.ops, method, rest.slice(1), params, body) };
  }
  if (head === 'jobs' && rest[0] === 'ingest') {
    const [, id, sub] = rest;
    if (id === undefined && method === 'POST') return { status: 200, body: deps.bulk.create(body) };
    if (id !== undefined && sub === undefined) {
      if (method === 'GET') return { status: 200, body: deps.bulk.poll(id) };
      if (method === 'PATCH') return { status: 200, body: deps.bulk.patch(id, body) };
      if (method === 'DELETE') {
        deps.bulk.delete(id);
        return { status: 204 };
      }
    }
    if (id !== undefined && sub === 'batches' && method === 'PUT') {
      deps.bulk.upload(id, raw, req.headers['content-type']);
      return { status: 201 };
    }
    if (id !== undefined && sub !== undefined && method === 'GET') {
      const text = deps.bulk.results(id, sub);
      return {
        status: 200,
        text,
        headers: {
          'Sforce-Locator': 'null',
          'Sforce-NumberOfRecords': String(Math.max(0, text.split('\n').length - 2)),
        },
      };
    }
  }
  throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function outageAnswer(outage: Outage | undefined, method: string, path: string): Answer | undefined {
  if (!outage) return undefined;
  if (outage.counted < outage.after) {
    if (
      (outage.path === undefined || path.startsWith(outage.path)) &&
      (outage.method === undefined || outage.method === method)
    )
      outage.counted++;
    return undefined;
  }
  const status = outage.status ?? 503;
  return {
    status,
    body: [
      {
        message: 'Server temporarily unavailable',
        errorCode: status === 503 ? 'SERVER_UNAVAILABLE' : 'UNKNOWN_EXCEPTION',
      },
    ],
  };
}

function takeInjected(failures: InjectedFailure[], method: string, path: string): Answer | undefined {
  const index = failures.findIndex(
    (f) => (f.path === undefined || path.startsWith(f.path)) && (f.method === undefined || f.method === method),
  );
  if (index < 0) return undefined;
  const failure = failures[index]!;
  const remaining = (failure.times ?? 1) - 1;
  if (remaining <= 0) failures.splice(index, 1);
  else failures[index] = { ...failure, times: remaining };
  const errorCode =
    failure.status === 403
      ? 'REQUEST_LIMIT_EXCEEDED'
      : failure.status === 503
        ? 'SERVER_UNAVAILABLE'
        : 'UNKNOWN_EXCEPTION';
  const message = failure.status === 403 ? 'TotalRequests Limit exceeded.' : 'Server temporarily unavailable';
  return { status: failure.status, body: failure.body ?? [{ message, errorCode }] };
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '' || !(contentType ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new RestError(400, 'JSON_PARSER_ERROR', `Unexpected character: ${(error as Error).message}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
