import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson } from '../google/http.js';
import { Discovery, loadDiscoverySubset, type DiscoveryMethod } from '../google/discovery.js';
import { OAuthError, type Principal, type SheetsAuth } from './auth.js';
import { errorInfo, invalidArgument, SheetsApiError } from './errors.js';
import { handlers } from './handlers.js';
import type { PerMinuteQuota } from './quota.js';
import { spreadsheetNotFound, type Spreadsheet } from './workbook.js';

/** The Sheets v4 discovery document, cut down to the methods served; 400s in Sheets' error shape. */
export const discovery = new Discovery(
  loadDiscoverySubset(new URL('./discovery-subset.json', import.meta.url)),
  (message) => invalidArgument(message),
);

/** One request the fake received, with its answer, for tests that check what a client sent. */
export interface RecordedRequest {
  /** Discovery method id (`sheets.spreadsheets.values.batchUpdate`), `token`, or `unknown`. */
  method: string;
  httpMethod: string;
  path: string;
  query: Record<string, string[]>;
  body?: unknown;
  status: number;
  response?: unknown;
  /** When it arrived, on the fake's quota clock. */
  at: number;
}

interface Route {
  method: DiscoveryMethod;
  pattern: RegExp;
  names: string[];
}

export const TOKEN_PATH = '/token';
const WRITE_METHODS = new Set([
  'spreadsheets.batchUpdate',
  'spreadsheets.values.batchUpdate',
  'spreadsheets.values.append',
]);

// `v4/spreadsheets/{spreadsheetId}/values/{range}:append`: each parameter is one path segment.
function buildRoutes(): Route[] {
  return Object.values(discovery.methods).map((method) => {
    const names: string[] = [];
    const source = (method.flatPath ?? method.path)
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\\?\{\+?([^}]+)\\?\}/g, (_match, name: string) => {
        names.push(name);
        return '([^/:]+)';
      });
    return { method, pattern: new RegExp(`^/${source}$`), names };
  });
}

export interface FrontEndOptions {
  auth: SheetsAuth;
  quota: PerMinuteQuota;
  spreadsheets: Map<string, { book: Spreadsheet; editors: Set<string> | 'anyone'; viewers: Set<string> }>;
  requests: RecordedRequest[];
  /** The quota clock. */
  now: () => number;
  /** Answers to give instead of running a method, queued per method id. */
  failures: Map<string, SheetsApiError[]>;
  /** Milliseconds every answer is held before it is sent, after it was counted (the API's latency). */
  latencyMs: number;
}

/**
 * The fake's HTTP front end, checking in Google's order: route (404 page), authentication
 * (401), OAuth scope (403), the per-minute quota (429), query and body against the discovery
 * document (400), the spreadsheet and the caller's access to it (404/403), then the method.
 */
export async function startFrontEnd(options: FrontEndOptions): Promise<{ server: Server; url: string }> {
  const routes = buildRoutes();

  const authorize = (id: string, principal: Principal, spreadsheetId: string): Spreadsheet => {
    const entry = options.spreadsheets.get(spreadsheetId);
    if (!entry) throw spreadsheetNotFound();
    const canWrite = entry.editors === 'anyone' || entry.editors.has(principal.user);
    if (!canWrite && !(entry.viewers.has(principal.user) && !WRITE_METHODS.has(id))) {
      throw new SheetsApiError(403, 'The caller does not have permission');
    }
    return entry.book;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const query: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
    const record: RecordedRequest = {
      method: 'unknown',
      httpMethod: request.method ?? 'GET',
      path: url.pathname,
      query,
      status: 0,
      at: options.now(),
    };
    options.requests.push(record);
    const text = await readBody(request);
    const reply = (status: number, body: unknown, headers?: Record<string, string>): void => {
      record.status = status;
      record.response = body;
      if (options.latencyMs > 0) setTimeout(() => sendJson(response, status, body, headers), options.latencyMs);
      else sendJson(response, status, body, headers);
    };

    if (url.pathname === TOKEN_PATH && request.method === 'POST') {
      record.method = 'token';
      try {
        reply(200, options.auth.exchange(new URLSearchParams(text)));
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        reply(error.status, error.body());
      }
      return;
    }

    const route = routes.find((r) => r.method.httpMethod === request.method && r.pattern.test(url.pathname));
    if (!route) {
      record.status = 404;
      response.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
      response.end(`<p>The requested URL <code>${url.pathname}</code> was not found on this server.</p>`);
      return;
    }
    record.method = route.method.id;
    const id = route.method.id.replace(/^sheets\./, '');
    const match = route.pattern.exec(url.pathname)!;
    const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    try {
      const principal = options.auth.authenticate(request.headers.authorization);
      if (!route.method.scopes.some((scope) => principal.scopes.includes(scope))) {
        throw new SheetsApiError(403, 'Request had insufficient authentication scopes.', [
          errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', {
            service: 'sheets.googleapis.com',
            method: `google.apps.sheets.v4.SpreadsheetsService.${id}`,
          }),
        ]);
      }
      options.quota.take(WRITE_METHODS.has(id) ? 'write' : 'read', principal.user);
      const injected = options.failures.get(id)?.shift();
      if (injected) throw injected;
      discovery.validateQuery(route.method, url.searchParams);
      let body: Record<string, unknown> = {};
      if (route.method.request) {
        try {
          body = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        } catch {
          throw invalidArgument('Invalid JSON payload received. Unexpected token.');
        }
        record.body = body;
        discovery.validateBody(route.method, body);
      }
      const spreadsheet = authorize(id, principal, params.spreadsheetId!);
      reply(200, handlers[id]!({ spreadsheet, params, query: url.searchParams, body }));
    } catch (error) {
      if (!(error instanceof SheetsApiError)) throw error;
      reply(error.code, error.body(), error.headers);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const failure = new SheetsApiError(500, `Sheets fake crashed: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) sendJson(response, 500, failure.body());
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}
