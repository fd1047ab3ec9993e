import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { authenticate } from './auth.js';
import type { CallLog } from './call-log.js';
import type { FakeRequest, FakeResponse, HandlerContext } from './context.js';
import { HttpError, errorBody, invalidInputJson } from './errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { route } from './router.js';

/** A failure to answer instead of handling the next matching requests. */
export interface InjectedFailure {
  status: number;
  /** How many requests to fail; default 1. */
  times?: number;
  /** Response body; defaults to HubSpot's body for the status (rate-limit body for 429). */
  body?: unknown;
  /** `Retry-After` seconds sent with an injected 429 (default 1) or 5xx (none by default). */
  retryAfter?: number;
  /** Only requests whose path starts with this fail. */
  path?: string;
}

export interface ServerDeps {
  ctx: HandlerContext;
  token: string;
  limiter: RateLimiter;
  calls: CallLog;
  failures: InjectedFailure[];
  /** Counts requests between arrival and answer. */
  inFlight: { now: number; peak: number };
  /** Holds each answer (the fake's latency); none when absent. */
  hold?: ((route: string) => Promise<void>) | undefined;
}

/** Starts the HTTP server on 127.0.0.1 with an ephemeral port; resolves its base URL. */
export async function listen(deps: ServerDeps): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const { inFlight } = deps;
    inFlight.now++;
    inFlight.peak = Math.max(inFlight.peak, inFlight.now);
    res.on('close', () => inFlight.now--);
    readBody(req)
      .then((raw) => respond(deps, req, res, raw))
      .catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

async function respond(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  const body = parseLeniently(raw);
  let response: FakeResponse;
  try {
    response = handle(deps, method, url, raw, req.headers.authorization);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    response = { status: error.status, body: error.body, headers: error.headers };
  }
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
  deps.calls.record({
    method,
    path: url.pathname,
    route: `${method} ${url.pathname}`,
    status: response.status,
    body,
    ...(response.body !== undefined ? { response: response.body } : {}),
    ...(Array.isArray(inputs) ? { inputs: inputs.length } : {}),
  });
  await deps.hold?.(`${method} ${url.pathname}`);
  res.statusCode = response.status;
  res.setHeader('X-HubSpot-Correlation-Id', randomUUID());
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.status === 204 || response.body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json;charset=utf-8');
  res.end(JSON.stringify(response.body));
}

// Order matters: injected failures stand for the network or HubSpot's edge, so they come
// first; authentication precedes rate limiting because limits are counted per app.
function handle(
  deps: ServerDeps,
  method: string,
  url: URL,
  raw: string,
  authorization: string | undefined,
): FakeResponse {
  const injected = takeInjected(deps.failures, url.pathname);
  if (injected) return injectedResponse(injected);
  authenticate(authorization, deps.token);
  try {
    deps.limiter.take();
    const request: FakeRequest = { method, path: url.pathname, params: url.searchParams, body: parseJson(raw) };
    const response = route(deps.ctx, request);
    return { ...response, headers: { ...deps.limiter.headers(), ...response.headers } };
  } catch (error) {
    if (error instanceof HttpError) {
      throw new HttpError(error.status, error.body, { ...deps.limiter.headers(), ...error.headers });
    }
    throw error;
  }
}

function takeInjected(failures: InjectedFailure[], path: string): InjectedFailure | undefined {
  const index = failures.findIndex((f) => f.path === undefined || path.startsWith(f.path));
  if (index < 0) return undefined;
  const failure = failures[index]!;
  const remaining = (failure.times ?? 1) - 1;
  if (remaining <= 0) failures.splice(index, 1);
  else failures[index] = { ...failure, times: remaining };
  return failure;
}

function injectedResponse(failure: InjectedFailure): FakeResponse {
  const headers: Record<string, string> = {};
  const retryAfter = failure.retryAfter ?? (failure.status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  const body =
    failure.body ??
    (failure.status === 429
      ? {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: 'TEN_SECONDLY_ROLLING',
          requestId: randomUUID(),
        }
      : errorBody('INTERNAL_ERROR', `Injected failure ${failure.status}`));
  return { status: failure.status, body, headers };
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw invalidInputJson(`Unexpected character: ${(error as Error).message}`);
  }
}

function parseLeniently(raw: string): unknown {
  try {
    return raw.trim() === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return raw;
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
