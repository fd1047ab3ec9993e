import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson } from '../google/http.js';
import { AuthServer, OAuthError } from './auth.js';
import type { Principal } from './auth.js';
import { discovery } from './discovery.js';
import type { DiscoveryMethod } from './discovery.js';
import { GoogleApiError } from './errors.js';
import { FailureQueue } from './failures.js';
import { authorize } from './permissions.js';
import type { PathParams } from './permissions.js';

/** What a handler gets for one API call. */
export interface CallContext {
  params: PathParams;
  query: URLSearchParams;
  body: Record<string, unknown>;
  principal: Principal;
}

/** An API method implementation, by short method id (`jobs.query`). */
export type Handler = (context: CallContext) => Promise<unknown> | unknown;

/** One request the fake received, for tests that check what a client sent. */
export interface RecordedRequest {
  /** Short method id (`jobs.getQueryResults`), `token`, or `unknown`. */
  method: string;
  httpMethod: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  status: number;
  /** The JSON body the fake answered with. */
  response?: unknown;
}

interface Route {
  id: string;
  method: DiscoveryMethod;
  pattern: RegExp;
  names: string[];
}

export const TOKEN_PATH = '/token';
const SERVICE_PREFIX = `/${discovery.servicePath}`.replace(/\/$/, '');

// Routes come from the discovery document's path templates, e.g.
// `projects/{+projectId}/queries/{+jobId}`; every parameter is one path segment.
function buildRoutes(handlers: Record<string, Handler>): Route[] {
  return Object.values(discovery.methods)
    .map((method) => {
      const id = method.id.replace(/^bigquery\./, '');
      const names: string[] = [];
      const source = method.path.replace(/\{\+?([^}]+)\}/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { id, method, pattern: new RegExp(`^${SERVICE_PREFIX}/${source}$`), names };
    })
    .filter((route) => route.id in handlers);
}

function parseJsonBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below, as Google's front end answers malformed JSON
  }
  throw new GoogleApiError(400, 'parseError', 'Invalid JSON payload received. Unexpected token.');
}

/** Options of the HTTP front end. */
export interface FrontEndOptions {
  projectId: string;
  auth: AuthServer;
  failures: FailureQueue;
  handlers: Record<string, Handler>;
  calls: Record<string, number>;
  requests: RecordedRequest[];
}

/**
 * The fake's HTTP front end, checking in Google's order: route, authentication (401),
 * injected failures, OAuth scope and IAM role (403), query parameters and body against
 * the discovery document (400), then the method itself.
 */
export async function startFrontEnd(options: FrontEndOptions): Promise<{ server: Server; url: string }> {
  const routes = buildRoutes(options.handlers);
  const count = (method: string): void => {
    options.calls[method] = (options.calls[method] ?? 0) + 1;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const record: RecordedRequest = {
      method: 'unknown',
      httpMethod: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    options.requests.push(record);
    const text = await readBody(request);
    const reply = (status: number, body: unknown, headers?: Record<string, string>): void => {
      record.status = status;
      record.response = body;
      sendJson(response, status, body, headers);
    };

    if (url.pathname === TOKEN_PATH && request.method === 'POST') {
      record.method = 'token';
      count('token');
      try {
        reply(200, options.auth.exchange(new URLSearchParams(text)));
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        reply(error.status, error.body());
      }
      return;
    }

    const route = routes.find(
      (candidate) => candidate.method.httpMethod === request.method && candidate.pattern.test(url.pathname),
    );
    if (!route) {
      count('unknown');
      record.status = 404;
      response.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
      response.end(`<p>The requested URL <code>${url.pathname}</code> was not found on this server.</p>`);
      return;
    }
    record.method = route.id;
    count(route.id);
    const match = route.pattern.exec(url.pathname) as RegExpExecArray;
    const params = Object.fromEntries(
      route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] as string)]),
    );
    try {
      const principal = options.auth.authenticate(request.headers.authorization);
      const failure = options.failures.take(route.id);
      if (failure && !failure.afterEffect) throw failure.error;
      if (!route.method.scopes.some((scope) => principal.scopes.includes(scope))) {
        throw new GoogleApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
      }
      if (params.projectId !== options.projectId) {
        throw new GoogleApiError(404, 'notFound', `Not found: Project ${params.projectId}`);
      }
      authorize(route.id, principal, params);
      discovery.validateQuery(route.method, url.searchParams);
      const body = route.method.request ? parseJsonBody(text) : {};
      if (route.method.request) record.body = body;
      discovery.validateBody(route.method, body);
      const result = await (options.handlers[route.id] as Handler)({
        params,
        query: url.searchParams,
        body,
        principal,
      });
      if (failure) throw failure.error;
      reply(200, result);
    } catch (error) {
      if (!(error instanceof GoogleApiError)) throw error;
      reply(error.code, error.body(), error.headers);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const failure = new GoogleApiError(
        500,
        'internalError',
        `BigQuery fake crashed: ${(error as Error).stack ?? String(error)}`,
      );
      if (!response.headersSent) sendJson(response, 500, failure.body());
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}
