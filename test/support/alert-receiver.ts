import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly body: unknown;
}

/**
 * A local receiver for alerts: `/webhook` takes any JSON POST; `/slack` behaves like a Slack
 * incoming webhook (test/fakes/README.md): JSON only, `text` (or `blocks`) required, the
 * body `ok` on success, `invalid_payload` / `no_text` with status 400 otherwise.
 */
export async function alertReceiver() {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((request, response) => {
    void readJson(request).then((body) => {
      const path = request.url ?? '/';
      const reply = (status: number, text: string) => {
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(text);
      };
      if (request.method !== 'POST') return reply(405, 'method_not_allowed');
      if (path === '/slack') {
        if (body === undefined || typeof body !== 'object' || body === null) return reply(400, 'invalid_payload');
        const { text, blocks } = body as { text?: unknown; blocks?: unknown };
        if ((typeof text !== 'string' || text.trim() === '') && !Array.isArray(blocks)) return reply(400, 'no_text');
      } else if (path !== '/webhook') {
        return reply(404, 'no_service');
      }
      received.push({ path, body });
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      reply(200, 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    webhookUrl: `${base}/webhook`,
    slackUrl: `${base}/slack`,
    received,
    /** Resolves once `count` alerts in all have arrived. */
    until(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (!/^application\/json/.test(request.headers['content-type'] ?? '')) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
