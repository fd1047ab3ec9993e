import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FailingProxyOptions {
  /** How many counted requests are forwarded; every request after that fails. */
  after: number;
  /** Which requests count (e.g. only batch writes); default all. Uncounted ones are forwarded until the failure starts. */
  counts?: (method: string, path: string) => boolean;
  /** Status answered once failing; default 503. */
  status?: number;
}

export interface FailingProxy {
  url: string;
  /** Counted requests forwarded so far. */
  readonly forwarded: number;
  /** Requests answered with the failure status. */
  readonly failed: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of an API fake: it forwards requests until `after`
 * counted ones went through, then answers every request with `status` — an API that goes
 * down hard mid-sync, at a call the test chooses rather than at a moment in time.
 */
export async function startFailingProxy(target: string, options: FailingProxyOptions): Promise<FailingProxy> {
  const upstream = new URL(target);
  const counts = options.counts ?? (() => true);
  let forwarded = 0;
  let failed = 0;
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const counted = counts(method, new URL(req.url ?? '/', upstream).pathname);
    if (forwarded >= options.after) {
      failed++;
      req.resume();
      res.writeHead(options.status ?? 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', message: 'failing proxy: the API is down' }));
      return;
    }
    if (counted) forwarded++;
    const outgoing = request(
      { host: upstream.hostname, port: upstream.port, method, path: req.url, headers: req.headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on('error', (error) => res.destroy(error));
    req.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get forwarded() {
      return forwarded;
    },
    get failed() {
      return failed;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
