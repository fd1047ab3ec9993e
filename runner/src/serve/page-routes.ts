import type { StreamCounts } from '../report/events.js';
import { authorize, startRun } from './api-routes.js';
import { runChart } from './chart.js';
import type { Served, ServeContext } from './context.js';
import { formatDuration } from './duration.js';
import { html, layout, raw, statusBadge, type Raw } from './html.js';
import { HttpError, integerParam, sendHtml, type Router } from './http.js';
import { LIVE_SCRIPT } from './live-script.js';
import {
  connectionPath,
  describeConnection,
  describeRecord,
  describeRun,
  findRows,
  runPath,
  servedConnection,
  type ConnectionView,
  type RunView,
} from './run-view.js';

/** The counts the pages show, in order. */
const COUNTS = [
  'read',
  'added',
  'changed',
  'removed',
  'unchanged',
  'sent',
  'committed',
  'rejected',
  'invalid',
] as const;
const HISTORY_RUNS = 50;
const ROWS_PER_PAGE = 100;

/** The run pages: connections, a connection's history and chart, a run with its rows. */
export function addPageRoutes(router: Router, context: ServeContext): void {
  router
    .add('GET', '/', async (_request, response) => {
      const views = await Promise.all([...context.connections.values()].map((s) => describeConnection(context, s)));
      sendHtml(response, 200, layout('Connections', connectionsPage(views, context.token !== undefined)));
    })
    .add('GET', '/connections/:name', async (request, response) => {
      const served = servedConnection(context, request.params['name']!);
      const records = await context.store.runs(served.connection, HISTORY_RUNS);
      const runs = await Promise.all(records.map((record) => describeRecord(context, served, record)));
      const view = await describeConnection(context, served);
      sendHtml(response, 200, layout(served.connection.name, connectionPage(view, runs, context.token !== undefined)));
    })
    .add('POST', '/connections/:name/runs', async (request, response) => {
      const form = new URLSearchParams(await request.body());
      try {
        authorize(context, form.get('token') || undefined);
        const run = await startRun(context, request.params['name']!, 'page', {
          ...(form.get('full_resync') ? { fullResync: true } : {}),
        });
        response.writeHead(303, { location: run.links['page']! });
        response.end();
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        const back = connectionPath(request.params['name']!);
        sendHtml(
          response,
          error.status,
          layout(
            'Run not started',
            html`<h1>Run not started</h1>
              <p class="error">${error.message}</p>
              <p><a href="${back}">Back</a></p>`,
          ),
        );
      }
    })
    .add('GET', '/connections/:name/runs/:run', async (request, response) => {
      const served = servedConnection(context, request.params['name']!);
      const run = await describeRun(context, served, integerParam(request.params['run'], 'run'));
      const query = request.url.searchParams;
      const kind = query.get('kind');
      const key = query.get('key') ?? '';
      const found = await findRows(context, served, run.id, {
        ...(kind === 'rejected' || kind === 'invalid' ? { kind } : {}),
        ...(key ? { key } : {}),
        after: integerParam(query.get('after'), 'after', 0),
        limit: ROWS_PER_PAGE,
      });
      const body = runPage(served, run, { kind: kind ?? '', key, ...found });
      sendHtml(response, 200, layout(`Run ${run.id} of ${served.connection.name}`, body, LIVE_SCRIPT));
    });
}

function connectionsPage(views: readonly ConnectionView[], canRun: boolean): Raw {
  const rows = views.map((c) => {
    const last = c.last_run;
    return html`<tr data-connection="${c.name}">
      <td><a href="${c.links['page']}">${c.name}</a></td>
      <td>
        ${c.running ? statusBadge('running') : statusBadge(last?.status)}${lockHolder(c)}${c.store_error ? html` <span class="error">store: ${c.store_error}</span>` : ''}
      </td>
      <td>
        ${last ? html`<a href="${last.links['page']}">run ${last.id}</a> <span class="muted">${when(last.started_at)}</span>` : '–'}
      </td>
      <td class="n">${last?.duration_ms === undefined ? '–' : formatDuration(last.duration_ms)}</td>
      <td class="n">${last ? last.totals.sent : '–'}</td>
      <td class="n">${last ? last.totals.rejected + last.totals.invalid : '–'}</td>
      <td>${c.next_run_at ? when(c.next_run_at) : html`<span class="muted">on demand</span>`}</td>
      <td class="muted">${c.schedule ?? ''}</td>
    </tr>`;
  });
  return html`<h1>Connections</h1>
    <table id="connections">
      <thead>
        <tr>
          <th>connection</th>
          <th>status</th>
          <th>last run</th>
          <th class="n">took</th>
          <th class="n">sent</th>
          <th class="n">rejected + invalid</th>
          <th>next run</th>
          <th>schedule</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    <p class="muted">
      ${canRun ? 'Runs can be started from a connection’s page with the serve token.' : 'Read-only: BACKFLOW_SERVE_TOKEN is not set, so runs cannot be started here.'}
      API: <a href="/openapi.json">/openapi.json</a>
    </p>`;
}

function connectionPage(c: ConnectionView, runs: readonly RunView[], canRun: boolean): Raw {
  const chart = runChart(
    runs
      .filter((run) => run.status !== 'running')
      .reverse()
      .map((run) => ({
        run: run.id,
        startedAt: run.started_at,
        sent: run.totals.sent,
        rejected: run.totals.rejected + run.totals.invalid,
        link: run.links['page']!,
      })),
  );
  const history = runs.map((run) => {
    const streams = Object.entries(run.streams);
    return html`<tr data-run="${run.id}">
        <td><a href="${run.links['page']}">run ${run.id}</a></td>
        <td>${statusBadge(run.status)}</td>
        <td>${when(run.started_at)}</td>
        <td class="n">${run.duration_ms === undefined ? '–' : formatDuration(run.duration_ms)}</td>
        ${countCells(run.totals)}
      </tr>
      ${
        streams.length > 1 || (streams.length === 1 && streams[0]![0] !== '')
          ? streams.map(
              ([stream, counts]) =>
                html`<tr class="stream">
                  <td colspan="4">${stream}</td>
                  ${countCells(counts)}
                </tr>`,
            )
          : ''
      }`;
  });
  return html`<h1>${c.name} ${c.running ? statusBadge('running') : statusBadge(c.last_run?.status)}${lockHolder(c)}</h1>
    <p class="muted">
      ${c.file} · streams ${c.streams.join(', ')} ·
      ${c.schedule ? html`${c.schedule}, next run ${c.next_run_at ? when(c.next_run_at) : '–'}` : 'no schedule: runs on demand'}
    </p>
    ${
      canRun
        ? html`<form class="inline" method="post" action="${c.links['page']}/runs">
            <input
              type="password"
              name="token"
              placeholder="serve token"
              autocomplete="current-password"
              required
              aria-label="serve token"
            />
            <label><input type="checkbox" name="full_resync" value="1" /> full resync</label>
            <button type="submit">Run now</button>
          </form>`
        : html`<p class="muted">Read-only: set BACKFLOW_SERVE_TOKEN to start runs from here.</p>`
    }
    <h2>Rows sent and rejected per run</h2>
    ${chart}
    <h2>Run history</h2>
    <table id="runs">
      <thead>
        <tr>
          <th>run</th>
          <th>status</th>
          <th>started</th>
          <th class="n">took</th>
          ${COUNTS.map((f) => html`<th class="n">${f}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${
          runs.length
            ? history
            : html`<tr>
                <td colspan="${4 + COUNTS.length}" class="muted">no runs yet</td>
              </tr>`
        }
      </tbody>
    </table>`;
}

interface RowsSection {
  readonly kind: string;
  readonly key: string;
  readonly rows: {
    seq: number;
    stream: string;
    kind: string;
    key: Record<string, unknown>;
    reason: string;
    retryable: boolean;
    field?: string;
  }[];
  readonly next_after?: number;
}

function runPage(served: Served, run: RunView, found: RowsSection): Raw {
  const name = served.connection.name;
  const base = runPath(name, run.id);
  const live = run.status === 'running' ? run.links['events'] : undefined;
  const streams = Object.entries(run.streams).map(
    ([stream, counts]) =>
      html`<tr class="stream" data-stream="${stream}">
        <td>${stream}</td>
        ${countCells(counts)}
      </tr>`,
  );
  const nextPage =
    found.next_after === undefined
      ? ''
      : html`<p>
          <a
            id="next-rows"
            href="${base}?${new URLSearchParams({ kind: found.kind, key: found.key, after: String(found.next_after) }).toString()}"
            >next ${ROWS_PER_PAGE} rows</a
          >
        </p>`;
  const rows = found.rows.map(
    (row) =>
      html`<tr data-seq="${row.seq}">
        <td>${row.stream}</td>
        <td>${row.kind}${row.retryable ? ' (retryable)' : ''}</td>
        <td><code>${JSON.stringify(row.key)}</code></td>
        <td>${row.field ?? ''}</td>
        <td>${row.reason}</td>
      </tr>`,
  );
  return html`<h1>Run ${run.id} of <a href="${connectionPath(name)}">${name}</a> ${statusBadge(run.status)}</h1>
    <p class="muted">
      started
      ${when(run.started_at)}${run.finished_at ? html`, finished ${when(run.finished_at)}` : ''}${run.duration_ms === undefined ? '' : html`, took ${formatDuration(run.duration_ms)}`}${run.exit_code === undefined ? '' : html`, exit code ${run.exit_code}`}${run.trigger ? html`, started by ${run.trigger}` : ''}
    </p>
    ${run.error ? html`<p class="error" id="run-error">${run.error}</p>` : ''}
    <h2>Counts ${live ? html`<span class="muted" data-updated>live</span>` : ''}</h2>
    <table id="counts" ${live ? raw(`data-live="${live}" data-fields='${JSON.stringify(COUNTS)}'`) : ''}>
      <thead>
        <tr>
          <th>stream</th>
          ${COUNTS.map((f) => html`<th class="n">${f}</th>`)}
        </tr>
      </thead>
      <tbody>
        <tr data-stream="total">
          <td>total</td>
          ${countCells(run.totals)}
        </tr>
        ${streams}
      </tbody>
    </table>
    <h2 id="rows">Rejected and invalid rows (${run.undelivered_rows})</h2>
    <form class="inline" method="get" action="${base}#rows" role="search">
      <input
        type="search"
        name="key"
        value="${found.key}"
        placeholder="key: 123 or id=123"
        aria-label="search by key"
      />
      <select name="kind" aria-label="kind">
        <option value="">rejected and invalid</option>
        <option value="rejected" ${found.kind === 'rejected' ? raw('selected') : ''}>rejected</option>
        <option value="invalid" ${found.kind === 'invalid' ? raw('selected') : ''}>invalid</option>
      </select>
      <button type="submit">Search</button>
      <a id="download-csv" href="${run.links['csv']}" download>Download CSV</a>
    </form>
    <table id="run-rows">
      <thead>
        <tr>
          <th>stream</th>
          <th>kind</th>
          <th>key</th>
          <th>field</th>
          <th>reason</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="5" class="muted">${found.key || found.kind ? 'no row matches' : 'none'}</td>
              </tr>`
        }
      </tbody>
    </table>
    ${nextPage}`;
}

/** Which process holds the connection's lock: this serve, another sharing the store, or `runner sync`. */
function lockHolder(c: ConnectionView): Raw | '' {
  const holder = c.locked_by;
  return holder ? html` <span class="muted">pid ${holder.pid} on ${holder.host}</span>` : '';
}

function countCells(counts: StreamCounts): Raw {
  return html`${COUNTS.map((f) => html`<td class="n" data-field="${f}">${counts[f]}</td>`)}`;
}

function when(iso: string): Raw {
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}
