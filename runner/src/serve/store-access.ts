import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { LoadedConnection } from '../connection/load-connection.js';
import { exportRows } from '../history/export-rows.js';
import type { RunHistory, RunRecord, RunRow } from '../history/run-history.js';
import { emptyCounts, type SyncEvent } from '../report/events.js';
import { openRunHistory } from '../state/open-state-store.js';
import { sync, type SyncSummary } from '../sync/run-sync.js';

export type { RunRecord, RunRow };

/**
 * Everything `runner serve` asks of the state location — run history, and who may run a
 * connection now — goes through this one module, so the serve code never depends on how
 * the store is built.
 */
export interface StoreAccess {
  /** A connection's runs, newest first. */
  runs(connection: LoadedConnection, limit: number): Promise<RunRecord[]>;
  run(connection: LoadedConnection, id: number): Promise<RunRecord | undefined>;
  /** Undelivered rows of a run, in the order recorded, `limit` after row number `after`. */
  rows(connection: LoadedConnection, id: number, after: number, limit: number): Promise<{ seq: number; row: RunRow }[]>;
  countRows(connection: LoadedConnection, id: number): Promise<number>;
  /** Writes a run's undelivered rows as CSV; returns how many. */
  exportCsv(connection: LoadedConnection, id: number, out: Writable): Promise<number>;
  /** Claims the right to run a connection; `undefined` while it is running. Release with the returned function. */
  claim(connection: LoadedConnection): (() => void) | undefined;
  /** Runs a sync, telling `onRun` the run's id as soon as it is recorded. Every attempt leaves a run in the history. */
  sync(connection: LoadedConnection, options: RunOptions): Promise<SyncSummary>;
  close(): Promise<void>;
}

export interface RunOptions {
  readonly fullResync: boolean;
  readonly signal: AbortSignal;
  readonly onEvent: (event: SyncEvent) => void;
  readonly onRun: (id: number) => void;
}

/**
 * Today's stores: one run history per state location (SQLite in the directory, or Postgres),
 * kept open while serving; one run per connection at a time within this process.
 */
export function openStoreAccess(cwd: string): StoreAccess {
  const histories = new Map<string, RunHistory>();
  const running = new Set<string>();
  const historyOf = (connection: LoadedConnection) => {
    const location = /^postgres(ql)?:\/\//.test(connection.state!)
      ? connection.state!
      : resolve(cwd, connection.state!);
    let history = histories.get(location);
    if (!history) {
      history = openRunHistory(location, cwd);
      histories.set(location, history);
    }
    return history;
  };
  return {
    runs: (connection, limit) => historyOf(connection).list({ connection: connection.name, limit }),
    async run(connection, id) {
      const record = await historyOf(connection).get(id);
      return record?.connection === connection.name ? record : undefined;
    },
    rows: (connection, id, after, limit) => historyOf(connection).rows(id, after, limit),
    countRows: (connection, id) => historyOf(connection).countRows(id),
    exportCsv: (connection, id, out) => exportRows(historyOf(connection), id, 'csv', out),
    claim(connection) {
      if (running.has(connection.name)) return undefined;
      running.add(connection.name);
      return () => running.delete(connection.name);
    },
    async sync(connection, options) {
      const history = historyOf(connection);
      // The shared history stays open between runs; the sync only sees its own run start.
      const shared: RunHistory = {
        location: history.location,
        start: async (name, startedAt) => {
          const id = await history.start(name, startedAt);
          options.onRun(id);
          return id;
        },
        addRows: (run, rows) => history.addRows(run, rows),
        finish: (run, end) => history.finish(run, end),
        list: (query) => history.list(query),
        get: (run) => history.get(run),
        rows: (run, after, limit) => history.rows(run, after, limit),
        countRows: (run) => history.countRows(run),
        close: async () => undefined,
      };
      const summary = await sync(connection, {
        cwd,
        history: shared,
        signal: options.signal,
        onEvent: options.onEvent,
        ...(options.fullResync ? { fullResync: true } : {}),
      });
      if (summary.run !== undefined) return summary;
      // Failed before the sync could record itself (a connector's spec or check): record it
      // here, so the page and the alerts see the attempt like any other run.
      const id = await history.start(connection.name, summary.startedAt);
      options.onRun(id);
      await history.finish(id, {
        finishedAt: summary.finishedAt,
        status: summary.status === 'succeeded' ? 'failed' : summary.status,
        exitCode: summary.exitCode,
        streams: {},
        totals: emptyCounts(),
        ...(summary.error ? { error: summary.error.message } : {}),
      });
      return { ...summary, run: id };
    },
    async close() {
      await Promise.all([...histories.values()].map((history) => history.close().catch(() => undefined)));
      histories.clear();
    },
  };
}
