import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as the routes see it: path parameters and query parsed, body read on demand. */
export interface Request {
  readonly method: string;
  readonly url: URL;
  readonly params: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  body(): Promise<string>;
}

export type Handler = (request: Request, response: ServerResponse) => Promise<void> | void;

/** An error a route answers with its status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 64 * 1024;

/** Routes `METHOD /path/:param` patterns; a few dozen routes do not need a framework. */
export class Router {
  private readonly routes: { method: string; parts: string[]; handler: Handler }[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/'), handler });
    return this;
  }

  /** Finds the route; 404 for an unknown path, 405 for a known path with another method. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } {
    const parts = path.split('/');
    let pathKnown = false;
    for (const route of this.routes) {
      const params = matchParts(route.parts, parts);
      if (!params) continue;
      pathKnown = true;
      if (route.method === method || (route.method === 'GET' && method === 'HEAD'))
        return { handler: route.handler, params };
    }
    throw pathKnown
      ? new HttpError(405, `${method} is not allowed on ${path}`)
      : new HttpError(404, `no page at ${path}`);
  }
}

function matchParts(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const actual = parts[i]!;
    if (part.startsWith(':')) {
      if (actual === '') return undefined;
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

/** Reads a request body, refusing more than 64 KiB. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body, null, 2) + '\n');
}

export function sendHtml(response: ServerResponse, status: number, html: string) {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  response.end(html);
}

/** Compares a presented token with the configured one in constant time. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(request: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** A positive integer query or path value, or `fallback` when absent; 400 otherwise. */
export function integerParam(value: string | null | undefined, name: string, fallback?: number, max?: number): number {
  if (value === null || value === undefined || value === '') {
    if (fallback === undefined) throw new HttpError(400, `${name} is required`);
    return fallback;
  }
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0 || (max !== undefined && number > max))
    throw new HttpError(
      400,
      `${name} must be an integer from 0${max === undefined ? '' : ` to ${max}`}, got "${value}"`,
    );
  return number;
}
