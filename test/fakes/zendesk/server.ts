import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallLog } from './call-log.js';
import type { JobAction, JobQueue } from './jobs.js';
import type { Kind, ZendeskStore, ZRecord } from './store.js';

export const MAX_ITEMS = 100;
const MAX_PAGE_SIZE = 100;
const MINUTE_MS = 60_000;

/** The fake's per-minute account limit, counted in fixed minutes of the injected clock. */
export class MinuteLimiter {
  private minute = -1;
  private count = 0;
  /** Most requests answered (not 429) within one minute. */
  peak = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Counts a request; the headers to answer with, and whether it is over the limit. */
  take(): { over: boolean; headers: Record<string, string> } {
    const now = this.now();
    const minute = Math.floor(now / MINUTE_MS);
    if (minute !== this.minute) {
      this.minute = minute;
      this.count = 0;
    }
    const reset = Math.max(1, Math.ceil(((minute + 1) * MINUTE_MS - now) / 1000));
    const over = this.count >= this.limit;
    if (!over) this.count++;
    this.peak = Math.max(this.peak, this.count);
    const remaining = String(this.limit - this.count);
    const headers = {
      'x-rate-limit': String(this.limit),
      'x-rate-limit-remaining': remaining,
      'ratelimit-limit': String(this.limit),
      'ratelimit-remaining': remaining,
      'ratelimit-reset': String(reset),
      ...(over ? { 'retry-after': String(reset) } : {}),
    };
    return { over, headers };
  }
}

export interface ServerParts {
  store: ZendeskStore;
  jobs: JobQueue;
  calls: CallLog;
  limiter: MinuteLimiter;
  now: () => number;
  /** Accepted `Authorization` values. */
  authorizations: Set<string>;
  /** The authenticated user's id. */
  agentId: () => number;
  /** Injected answers for the next matching requests. */
  failures: InjectedFailure[];
  /** Milliseconds every answer is held before it is sent, after it was counted (the API's latency). */
  latencyMs: number;
}

/** Answers the next `times` requests (matching `path` if given) with `status`, as a Zendesk outage would. */
export interface InjectedFailure {
  status: number;
  times: number;
  path?: string;
  retryAfter?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {
    super(JSON.stringify(body));
  }
}

const tooMany = (what: string) =>
  new HttpError(400, {
    error: 'TooManyValues',
    description: `Too many ${what}: at most ${MAX_ITEMS} are accepted per request`,
  });

export async function listen(parts: ServerParts): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void handle(parts, req, res, url));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url };
}

async function handle(parts: ServerParts, req: IncomingMessage, res: ServerResponse, baseUrl: string): Promise<void> {
  const target = new URL(req.url ?? '/', baseUrl);
  const path = target.pathname.replace(/\.json$/, '');
  const method = req.method ?? 'GET';
  const call = { method, path, query: target.search, status: 200, at: parts.now() };
  const answer = (status: number, body: object, headers: Record<string, string> = {}) => {
    call.status = status;
    parts.calls.add(call);
    const send = () => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (parts.latencyMs > 0) setTimeout(send, parts.latencyMs);
    else send();
  };
  if (!parts.authorizations.has(req.headers.authorization ?? ''))
    return answer(401, { error: "Couldn't authenticate you" });
  const failure = parts.failures.find((f) => f.times > 0 && (f.path === undefined || f.path === path));
  if (failure) {
    failure.times--;
    const extra: Record<string, string> =
      failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {};
    return answer(failure.status, { error: 'ServiceUnavailable', description: 'Injected failure' }, extra);
  }
  const { over, headers } = parts.limiter.take();
  if (over)
    return answer(
      429,
      { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' },
      headers,
    );
  try {
    const body = method === 'GET' || method === 'DELETE' ? undefined : await readJson(req);
    const result = route(parts, method, path, target.searchParams, body, baseUrl);
    if (!result) return answer(404, { error: 'InvalidEndpoint', description: 'Not found' }, headers);
    answer(200, result, headers);
  } catch (error) {
    if (error instanceof HttpError) return answer(error.status, error.body, headers);
    answer(500, { error: 'InternalError', description: (error as Error).message }, headers);
  }
}

function route(
  parts: ServerParts,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
  baseUrl: string,
): object | undefined {
  const { store, jobs } = parts;
  const v2 = path.startsWith('/api/v2/') ? path.slice('/api/v2/'.length) : '';
  let match: RegExpMatchArray | null;
  if (method === 'GET' && v2 === 'users/me') return { user: publicRecord(store.records.users.get(parts.agentId())!) };
  if (method === 'GET' && (match = v2.match(/^(user|organization|ticket)_fields$/))) {
    const kind = `${match[1]}s` as Kind;
    return paginate(store.fields[kind], `${match[1]}_fields`, query, `${baseUrl}${path}`);
  }
  if (method === 'GET' && v2 === 'tickets')
    return paginate(store.list('tickets').map(publicRecord), 'tickets', query, `${baseUrl}${path}`);
  if (method === 'GET' && v2 === 'users/search') {
    const text = (query.get('query') ?? '').trim();
    const email = text.match(/^email:"?([^"\s]+)"?$/)?.[1];
    if (!email)
      throw new HttpError(400, {
        error: 'InvalidValue',
        description: 'query: only email:<address> is supported by the fake',
      });
    const user = store.userByEmail(email);
    return { users: user ? [publicRecord(user)] : [], next_page: null, previous_page: null, count: user ? 1 : 0 };
  }
  if (method === 'GET' && (match = v2.match(/^(users|organizations)\/show_many$/))) {
    const kind = match[1] as Kind;
    const ids = listParam(query, 'ids');
    const externalIds = listParam(query, 'external_ids');
    if (ids.length + externalIds.length > MAX_ITEMS) throw tooMany('ids');
    const found = [
      ...ids.map((id) => store.records[kind].get(Number(id))).filter((r) => r && r.active !== false),
      ...externalIds.map((id) => store.byExternalId(kind, id)),
    ].filter((record): record is ZRecord => record !== undefined);
    return { [kind]: found.map(publicRecord), next_page: null, previous_page: null, count: found.length };
  }
  if (method === 'GET' && v2 === 'job_statuses/show_many') {
    const ids = listParam(query, 'ids');
    if (ids.length > MAX_ITEMS) throw tooMany('ids');
    return { job_statuses: ids.map((id) => jobs.poll(id, baseUrl)).filter(Boolean) };
  }
  if (method === 'GET' && (match = v2.match(/^job_statuses\/([0-9a-f]+)$/))) {
    const job = jobs.poll(match[1]!, baseUrl);
    if (!job) throw new HttpError(404, { error: 'RecordNotFound', description: 'Not found' });
    return { job_status: job };
  }
  const bulk = v2.match(
    /^(users|organizations|tickets)\/(create_many|create_or_update_many|update_many|destroy_many)$/,
  );
  if (!bulk) return undefined;
  const kind = bulk[1] as Kind;
  const endpoint = bulk[2]!;
  const expected = endpoint === 'update_many' ? 'PUT' : endpoint === 'destroy_many' ? 'DELETE' : 'POST';
  if (
    method !== expected ||
    (endpoint === 'create_or_update_many' && kind !== 'users') ||
    (endpoint === 'destroy_many' && kind === 'tickets')
  )
    return undefined;
  let items: Record<string, unknown>[];
  if (endpoint === 'destroy_many') {
    items = listParam(query, 'ids').map((id) => ({ id: Number(id) }));
    if (items.length === 0) throw new HttpError(400, { error: 'InvalidValue', description: 'ids: give a list of ids' });
  } else {
    const list = (body as Record<string, unknown> | undefined)?.[kind];
    if (!Array.isArray(list))
      throw new HttpError(400, {
        error: 'InvalidValue',
        description: `${kind}: expected an array of ${kind.slice(0, -1)} objects`,
      });
    items = list as Record<string, unknown>[];
    if (endpoint === 'update_many' && items.some((item) => item.id === undefined))
      throw new HttpError(400, { error: 'InvalidValue', description: 'Every item of a batch update needs an id' });
  }
  if (items.length > MAX_ITEMS) throw tooMany(kind);
  const action: JobAction =
    endpoint === 'create_many'
      ? 'create'
      : endpoint === 'update_many'
        ? 'update'
        : endpoint === 'destroy_many'
          ? 'delete'
          : 'create_or_update';
  return { job_status: jobs.show(jobs.submit(kind, action, items), baseUrl) };
}

/**
 * Cursor pagination (`page[size]` up to 100, `page[after]`, answered with `meta.has_more`,
 * `meta.after_cursor` and `links.next`); without `page[size]`, offset pages of 100 with
 * `next_page`, as Zendesk still answers.
 */
function paginate(items: readonly object[], key: string, query: URLSearchParams, url: string): object {
  const sizeText = query.get('page[size]');
  if (sizeText === null) {
    const page = Number(query.get('page') ?? '1');
    const slice = items.slice((page - 1) * 100, page * 100);
    return {
      [key]: slice,
      next_page: page * 100 < items.length ? `${url}?page=${page + 1}` : null,
      previous_page: null,
      count: items.length,
    };
  }
  const size = Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw new HttpError(400, {
      error: 'InvalidPaginationParameter',
      description: `page[size] must be between 1 and ${MAX_PAGE_SIZE}`,
    });
  const after = query.get('page[after]');
  const start = after ? Number(Buffer.from(after, 'base64url').toString()) : 0;
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  const hasMore = end < items.length;
  const cursor = Buffer.from(String(end)).toString('base64url');
  return {
    [key]: slice,
    meta: {
      has_more: hasMore,
      after_cursor: hasMore ? cursor : null,
      before_cursor: start > 0 ? Buffer.from(String(start)).toString('base64url') : null,
    },
    links: { next: hasMore ? `${url}?page[size]=${size}&page[after]=${cursor}` : null, prev: null },
  };
}

function listParam(query: URLSearchParams, name: string): string[] {
  return (query.get(name) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function publicRecord(record: ZRecord): object {
  const { comments: _comments, ...rest } = record;
  return rest;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, { error: 'InvalidJSON', description: 'The request body is not valid JSON' });
  }
}
