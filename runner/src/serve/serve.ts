import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Alerter, type AlertDefaults } from './alerts.js';
import { addApiRoutes } from './api-routes.js';
import { systemClock, type Clock } from './clock.js';
import type { ServeContext } from './context.js';
import { escapeHtml, layout, raw } from './html.js';
import { HttpError, readBody, Router, sendHtml, sendJson } from './http.js';
import { loadServed } from './load-served.js';
import { addPageRoutes } from './page-routes.js';
import { RunManager } from './run-manager.js';
import { connectionPath, runPath } from './run-view.js';
import { Scheduler } from './scheduler.js';
import { WarmKeeper } from './warm-keeper.js';
import { DEFAULT_SERVE_PORT } from './serve-defaults.js';
import { openStoreAccess } from './store-access.js';

export interface ServeOptions {
  /** Connection files, or directories of them. */
  readonly paths: readonly string[];
  /** Default 127.0.0.1: the page and API are for this machine unless asked otherwise. */
  readonly host?: string;
  /** Default 8470; 0 picks a free port. */
  readonly port?: number;
  /** Required to start runs over HTTP (BACKFLOW_SERVE_TOKEN); without it the page and API are read-only. */
  readonly token?: string;
  /** Where alerts go for connections that name no target of their own. */
  readonly alerts?: AlertDefaults;
  /** The address alerts link to; default the address served. */
  readonly publicUrl?: string;
  readonly clock?: Clock;
  /** One line per thing that happens (runs started and ended, alerts, errors). */
  readonly log?: (line: string) => void;
}

export interface Serving {
  /** The address served, e.g. `http://127.0.0.1:8470`. */
  readonly url: string;
  readonly context: ServeContext;
  /** Stops scheduling, aborts running syncs (each keeps its state at its last commit), stops serving. */
  close(): Promise<void>;
}

/**
 * Serves connections: runs each on its schedule, answers the trigger API and serves the run
 * page, alerts on failures. Resolves once listening.
 */
export async function startServe(options: ServeOptions): Promise<Serving> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const connections = await loadServed(options.paths);
  const store = openStoreAccess();
  const warm = new WarmKeeper(clock, (name): number | undefined => scheduler.nextRun(name), log);
  const runs = new RunManager(store, warm);
  const scheduler = new Scheduler(clock, runs, log);
  runs.onFinished((connection, summary) => warm.finished(connection, summary));
  const context: ServeContext = { connections, store, runs, scheduler, token: options.token || undefined };
  const router = new Router();
  addApiRoutes(router, context);
  addPageRoutes(router, context);

  const server = createServer((request, response) => void handle(router, request, response, log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SERVE_PORT, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const base = (options.publicUrl ?? url).replace(/\/+$/, '');
  const alerter = new Alerter(
    clock,
    options.alerts ?? {},
    { run: (name, run) => base + runPath(name, run), connection: (name) => base + connectionPath(name) },
    log,
    async (name) => {
      const served = connections.get(name);
      return served ? await store.runs(served.connection, 50) : [];
    },
    {
      claim: (name, kind) => store.claimIncident(connections.get(name)!.connection, kind),
      close: (name, kind) => store.closeIncident(connections.get(name)!.connection, kind),
    },
  );
  runs.onFinished((connection, summary, trigger) => {
    log(
      `${connection.name}: run ${summary.run ?? '?'} (${trigger}) ${summary.status}, exit ${summary.exitCode}: ` +
        `${summary.totals.sent} sent, ${summary.totals.rejected} rejected, ${summary.totals.invalid} invalid` +
        (summary.error ? ` — ${summary.error.message}` : ''),
    );
    void alerter.runFinished(connection.name, summary);
  });
  try {
    for (const served of connections.values()) {
      // A store out of reach now is no reason not to serve: its runs will fail and alert.
      const recent = await store.runs(served.connection, 20).catch((error: unknown) => {
        log(`${served.connection.name}: cannot read its run history: ${(error as Error).message}`);
        return [];
      });
      alerter.watch(served.connection, served.schedule, recent);
      if (served.schedule)
        scheduler.add(served.connection, served.schedule, recent[0] ? Date.parse(recent[0].startedAt) : undefined);
    }
  } catch (error) {
    scheduler.stop();
    await alerter.stop();
    server.close();
    await store.close();
    throw error;
  }
  log(
    `serving ${connections.size} connection(s) on ${url}${context.token ? '' : ' (read-only: BACKFLOW_SERVE_TOKEN unset)'}`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    context,
    close: () =>
      (closing ??= (async () => {
        scheduler.stop();
        await runs.stop();
        await warm.close();
        await alerter.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await store.close();
      })()),
  };
}

async function handle(router: Router, request: IncomingMessage, response: ServerResponse, log: (line: string) => void) {
  const url = new URL(request.url ?? '/', 'http://serve.invalid');
  const api = url.pathname.startsWith('/api/') || url.pathname === '/openapi.json';
  try {
    const { handler, params } = router.match(request.method ?? 'GET', url.pathname);
    await handler(
      { method: request.method ?? 'GET', url, params, headers: request.headers, body: () => readBody(request) },
      response,
    );
  } catch (error) {
    const known = error instanceof HttpError ? error : undefined;
    if (!known)
      log(`error serving ${request.method} ${url.pathname}: ${error instanceof Error ? error.stack : String(error)}`);
    const status = known?.status ?? 500;
    const message = known?.message ?? 'internal error (see the serve log)';
    if (response.headersSent) return void response.end();
    const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer realm="backflow"' } : {};
    if (api) sendJson(response, status, { error: message, ...known?.extra }, headers);
    else
      sendHtml(
        response,
        status,
        layout(`${status}`, raw(`<h1>${status}</h1><p class="error">${escapeHtml(message)}</p>`)),
      );
  }
}
