import { invalid } from './errors.js';

/** Which slice of a result a list call asked for. */
export interface PageRequest {
  maxResults?: number;
  pageToken?: string;
  startIndex?: number;
}

/** The slice of a result to send, and the token for the rest. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

// Google documents page tokens as opaque; these carry the scope they were issued for, so a
// token from one job or table is refused for another, like a forged one.
function encodePageToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

function decodePageToken(scope: string, token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; o?: unknown };
    if (parsed.s === scope && typeof parsed.o === 'number' && Number.isSafeInteger(parsed.o) && parsed.o >= 0)
      return parsed.o;
  } catch {
    // falls through to the API's answer for a bad token
  }
  throw invalid(`Invalid page token: ${token}`);
}

/**
 * Cuts one page out of `total` items: from the page token's offset (or `startIndex`), at
 * most `maxResults` items (or `defaultPageSize`), and — like BigQuery's ~10 MB response
 * cap — no more items than fit in `maxBytes` of JSON (always at least one).
 */
export function takePage<T>(
  scope: string,
  total: number,
  request: PageRequest,
  render: (index: number) => T,
  limits: { maxBytes: number; defaultPageSize?: number },
): Page<T> {
  const start = request.pageToken ? decodePageToken(scope, request.pageToken) : (request.startIndex ?? 0);
  const wanted = request.maxResults ?? limits.defaultPageSize ?? Number.POSITIVE_INFINITY;
  const items: T[] = [];
  let bytes = 0;
  let index = start;
  while (index < total && items.length < wanted) {
    const item = render(index);
    bytes += JSON.stringify(item).length + 1;
    if (items.length > 0 && bytes > limits.maxBytes) break;
    items.push(item);
    index += 1;
  }
  // maxResults=0 asks for no rows at all (clients use it to wait for a job), not a page.
  return index < total && wanted > 0 ? { items, nextPageToken: encodePageToken(scope, index) } : { items };
}
