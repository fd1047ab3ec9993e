import type { RunRecord, RunRow } from './store-access.js';
import { emptyCounts, type StreamCounts } from '../report/events.js';
import type { Served, ServeContext } from './context.js';
import { HttpError } from './http.js';
import type { LiveRun } from './run-manager.js';

/** A run as the API returns it (the OpenAPI `Run` schema). */
export interface RunView {
  id: number;
  connection: string;
  status: RunRecord['status'];
  trigger?: LiveRun['trigger'];
  started_at: string;
  finished_at?: string;
  duration_ms?: number;
  exit_code?: number;
  error?: string;
  streams: Record<string, StreamCounts>;
  totals: StreamCounts;
  undelivered_rows: number;
  links: Record<string, string>;
}

/** A connection as the API returns it (the OpenAPI `Connection` schema). */
export interface ConnectionView {
  name: string;
  file: string;
  streams: string[];
  schedule?: string;
  next_run_at?: string;
  running: boolean;
  locked_by?: { run?: number; pid: number; host: string; since: string };
  last_run?: RunView;
  store_error?: string;
  links: Record<string, string>;
}

export const connectionPath = (name: string) => `/connections/${encodeURIComponent(name)}`;
export const runPath = (name: string, run: number) => `${connectionPath(name)}/runs/${run}`;

export function servedConnection(context: ServeContext, name: string): Served {
  const served = context.connections.get(name);
  if (!served) throw new HttpError(404, `no connection "${name}" is served here`);
  return served;
}

export async function describeConnection(context: ServeContext, served: Served): Promise<ConnectionView> {
  const name = served.connection.name;
  let last: RunRecord | undefined;
  let holder: Awaited<ReturnType<typeof context.store.holder>>;
  let storeError: string | undefined;
  try {
    [[last], holder] = await Promise.all([
      context.store.runs(served.connection, 1),
      context.store.holder(served.connection),
    ]);
  } catch (error) {
    // One connection's store out of reach must not hide the others.
    storeError = error instanceof Error ? error.message : String(error);
  }
  const next = context.scheduler.nextRun(name);
  return {
    name,
    file: served.connection.file,
    streams: served.connection.streams.map((s) => (s.namespace ? `${s.namespace}.${s.name}` : s.name)),
    ...(served.schedule ? { schedule: served.schedule.text } : {}),
    ...(next === undefined ? {} : { next_run_at: new Date(next).toISOString() }),
    running: context.runs.current(name) !== undefined || holder !== undefined,
    ...(holder
      ? {
          locked_by: {
            ...(holder.run === undefined ? {} : { run: holder.run }),
            pid: holder.pid,
            host: holder.host,
            since: holder.since,
          },
        }
      : {}),
    ...(last ? { last_run: await describeRecord(context, served, last) } : {}),
    ...(storeError ? { store_error: storeError } : {}),
    links: { page: connectionPath(name), runs: `/api${connectionPath(name)}/runs` },
  };
}

/** A run of the connection: live counts while it runs in this process, else the history's record. */
export async function describeRun(context: ServeContext, served: Served, id: number): Promise<RunView> {
  const record = await context.store.run(served.connection, id);
  if (!record) throw new HttpError(404, `${served.connection.name} has no run ${id}`);
  return describeRecord(context, served, record);
}

export async function describeRecord(context: ServeContext, served: Served, record: RunRecord): Promise<RunView> {
  const name = served.connection.name;
  const live = context.runs.current(name);
  const running = live?.run === record.id && record.status === 'running';
  const streams = running ? live.streams : record.streams;
  const finished = record.finishedAt ? Date.parse(record.finishedAt) : undefined;
  const api = `/api${runPath(name, record.id)}`;
  return {
    id: record.id,
    connection: name,
    status: record.status,
    ...(running ? { trigger: live.trigger } : {}),
    started_at: record.startedAt,
    ...(record.finishedAt ? { finished_at: record.finishedAt } : {}),
    ...(finished === undefined ? {} : { duration_ms: Math.max(0, finished - Date.parse(record.startedAt)) }),
    ...(record.exitCode === undefined ? {} : { exit_code: record.exitCode }),
    ...(record.error ? { error: record.error } : {}),
    streams: structuredClone(streams),
    totals: running || !record.totals ? totalOf(streams) : record.totals,
    undelivered_rows: await context.store.countRows(served.connection, record.id),
    links: {
      self: api,
      page: runPath(name, record.id),
      rows: `${api}/rows`,
      csv: `${api}/rows.csv`,
      events: `${api}/events`,
    },
  };
}

export function totalOf(streams: Record<string, StreamCounts>): StreamCounts {
  const total = emptyCounts();
  for (const counts of Object.values(streams))
    for (const field of Object.keys(total) as (keyof StreamCounts)[]) total[field] += counts[field];
  return total;
}

export interface RowQuery {
  readonly kind?: RunRow['kind'];
  /** `123` (any key field), or `id=123` / `a=1,b=2` (these fields). */
  readonly key?: string;
  readonly after: number;
  readonly limit: number;
}

const SCAN_PAGE = 1000;

/**
 * A page of a run's undelivered rows, filtered by kind and key. Filters scan the history page
 * by page, so a search over a large run reads it once and keeps only a page in memory.
 */
export async function findRows(
  context: ServeContext,
  served: Served,
  run: number,
  query: RowQuery,
): Promise<{ rows: ({ seq: number } & RunRow)[]; next_after?: number }> {
  const matches = keyMatcher(query.key);
  const found: ({ seq: number } & RunRow)[] = [];
  for (let after = query.after; ;) {
    const page = await context.store.rows(
      served.connection,
      run,
      after,
      query.kind || query.key ? SCAN_PAGE : query.limit + 1,
    );
    for (const { seq, row } of page) {
      if (query.kind && row.kind !== query.kind) continue;
      if (!matches(row.key)) continue;
      if (found.length === query.limit) return { rows: found, next_after: found.at(-1)!.seq };
      found.push({ seq, ...row });
    }
    if (page.length === 0 || (!query.kind && !query.key && page.length <= query.limit)) return { rows: found };
    after = page.at(-1)!.seq;
  }
}

function keyMatcher(text: string | undefined): (key: Record<string, unknown>) => boolean {
  const wanted = text?.trim();
  if (!wanted) return () => true;
  const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  if (!wanted.includes('=')) return (key) => Object.values(key).some((value) => asText(value) === wanted);
  const pairs = wanted.split(',').map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] as const;
  });
  return (key) => pairs.every(([field, value]) => field in key && asText(key[field]) === value);
}
