import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { compileSchema } from '@backflow/protocol';
import { ConfigurationError } from '../errors.js';
import type { ServeContext } from './context.js';
import { bearerToken, HttpError, integerParam, sendJson, tokenMatches, type Router } from './http.js';
import { AlreadyRunning, NotAccepting, RunNotRecorded, type Trigger } from './run-manager.js';
import { describeConnection, describeRun, findRows, servedConnection, type RunView } from './run-view.js';

const openApiPath = fileURLToPath(new URL('../../schemas/serve-openapi.json', import.meta.url));
/** The API's OpenAPI document: served as is, and the source of the request schemas checked below. */
export const OPENAPI_DOCUMENT = JSON.parse(readFileSync(openApiPath, 'utf8')) as {
  components: { schemas: Record<string, object> };
};
const validateRunRequest = compileSchema<{ full_resync?: boolean; streams?: string[] }>(
  OPENAPI_DOCUMENT.components.schemas['RunRequest']!,
);

const HEARTBEAT_MS = 15_000;
/** How often a run of another process (sharing the store) is read again: it records its counts at each commit. */
const REMOTE_POLL_MS = 2_000;

/** The trigger and status API under /api, and /openapi.json. */
export function addApiRoutes(router: Router, context: ServeContext): void {
  router
    .add('GET', '/openapi.json', (_request, response) => sendJson(response, 200, OPENAPI_DOCUMENT))
    .add('GET', '/api/connections', async (_request, response) => {
      const connections = await Promise.all(
        [...context.connections.values()].map((served) => describeConnection(context, served)),
      );
      sendJson(response, 200, { connections });
    })
    .add('GET', '/api/connections/:name', async (request, response) => {
      sendJson(response, 200, await describeConnection(context, servedConnection(context, request.params['name']!)));
    })
    .add('GET', '/api/connections/:name/runs', async (request, response) => {
      const served = servedConnection(context, request.params['name']!);
      const limit = integerParam(request.url.searchParams.get('limit'), 'limit', 50, 500);
      const records = await context.store.runs(served.connection, Math.max(limit, 1));
      const runs = await Promise.all(records.map((record) => describeRun(context, served, record.id)));
      sendJson(response, 200, { runs });
    })
    .add('POST', '/api/connections/:name/runs', async (request, response) => {
      authorize(context, bearerToken(request));
      const text = (await request.body()).trim();
      let body: unknown = {};
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'the request body is not JSON');
        }
      }
      const problem = validateRunRequest.check(body, 'request body');
      if (problem) throw new HttpError(400, problem.message);
      const options = body as { full_resync?: boolean; streams?: string[] };
      const run = await startRun(context, request.params['name']!, 'api', {
        ...(options.full_resync ? { fullResync: true } : {}),
        ...(options.streams ? { streams: options.streams } : {}),
      });
      sendJson(response, 202, run, { location: run.links['self']! });
    })
    .add('GET', '/api/connections/:name/runs/:run', async (request, response) => {
      const served = servedConnection(context, request.params['name']!);
      sendJson(response, 200, await describeRun(context, served, integerParam(request.params['run'], 'run')));
    })
    .add('GET', '/api/connections/:name/runs/:run/rows', async (request, response) => {
      const served = servedConnection(context, request.params['name']!);
      const run = integerParam(request.params['run'], 'run');
      await describeRun(context, served, run);
      const query = request.url.searchParams;
      const kind = query.get('kind') ?? undefined;
      if (kind !== undefined && kind !== 'rejected' && kind !== 'invalid')
        throw new HttpError(400, `kind must be rejected or invalid, got "${kind}"`);
      const found = await findRows(context, served, run, {
        ...(kind ? { kind } : {}),
        ...(query.get('key') ? { key: query.get('key')! } : {}),
        after: integerParam(query.get('after'), 'after', 0),
        limit: Math.max(1, integerParam(query.get('limit'), 'limit', 100, 1000)),
      });
      sendJson(response, 200, { run, ...found });
    })
    .add('GET', '/api/connections/:name/runs/:run/rows.csv', async (request, response) => {
      const served = servedConnection(context, request.params['name']!);
      const run = integerParam(request.params['run'], 'run');
      await describeRun(context, served, run);
      response.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${served.connection.name}-run-${run}-rows.csv"`,
      });
      await context.store.exportCsv(served.connection, run, response);
      response.end();
    })
    .add('GET', '/api/connections/:name/runs/:run/events', async (request, response) => {
      const served = servedConnection(context, request.params['name']!);
      await streamRun(context, served.connection.name, integerParam(request.params['run'], 'run'), response);
    });
}

/** Checks the bearer token (or the page form's token) of a request that starts a run. */
export function authorize(context: ServeContext, presented: string | undefined): void {
  if (!context.token) throw new HttpError(403, 'starting runs is disabled: set BACKFLOW_SERVE_TOKEN where serve runs');
  if (!tokenMatches(context.token, presented))
    throw new HttpError(401, presented ? 'wrong token' : 'a bearer token is required to start a run');
}

/** Starts a run and describes it; maps refusals to HTTP statuses. */
export async function startRun(
  context: ServeContext,
  name: string,
  trigger: Trigger,
  options: { fullResync?: boolean; streams?: string[] },
): Promise<RunView> {
  const served = servedConnection(context, name);
  let run: number;
  try {
    run = await context.runs.start(served.connection, { trigger, ...options });
  } catch (error) {
    if (error instanceof AlreadyRunning)
      throw new HttpError(409, error.message, error.run === undefined ? {} : { run: error.run });
    if (error instanceof NotAccepting) throw new HttpError(503, error.message);
    if (error instanceof ConfigurationError) throw new HttpError(400, error.message);
    if (error instanceof RunNotRecorded) throw new HttpError(500, `the run could not start: ${error.message}`);
    throw error;
  }
  return describeRun(context, served, run);
}

/**
 * Server-sent events: the run at each change, then `end`. A run of this process is followed
 * event by event (changes during a write are coalesced); a run of another process sharing the
 * store, through the counts it records at each commit.
 */
async function streamRun(context: ServeContext, name: string, run: number, response: ServerResponse): Promise<void> {
  const served = servedConnection(context, name);
  const first = await describeRun(context, served, run);
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  let sent = '';
  const send = (view: RunView) => {
    const data = JSON.stringify(view);
    if (data !== sent) response.write(`event: run\ndata: ${(sent = data)}\n\n`);
  };
  send(first);
  if (first.status !== 'running') {
    response.end('event: end\ndata: {}\n\n');
    return;
  }
  let busy = false;
  let dirty = false;
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    stopWatching();
    clearInterval(heartbeat);
  };
  const refresh = async () => {
    if (busy) return void (dirty = true);
    busy = true;
    try {
      do {
        dirty = false;
        const view = await describeRun(context, served, run);
        if (ended) return;
        send(view);
        if (view.status !== 'running' && context.runs.current(name)?.run !== run) {
          finish();
          response.end('event: end\ndata: {}\n\n');
          return;
        }
      } while (dirty);
    } catch {
      finish();
      response.end();
    } finally {
      busy = false;
    }
  };
  let stopWatching: () => void;
  if (context.runs.current(name)?.run === run) {
    stopWatching = context.runs.watch(name, () => void refresh());
  } else {
    const poll = setInterval(() => void refresh(), REMOTE_POLL_MS);
    stopWatching = () => clearInterval(poll);
  }
  const heartbeat = setInterval(() => response.write(': still here\n\n'), HEARTBEAT_MS);
  response.on('close', finish);
}
