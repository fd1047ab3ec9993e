import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { connectionDir, type LoadedConnection } from '../connection/load-connection.js';
import { EXIT_CODES } from '../errors.js';
import type { EarlyStart } from '../launchers/index.js';
import { exportRows } from '../history/export-rows.js';
import type { SyncEvent } from '../report/events.js';
import { isPostgresLocation } from '../store/location.js';
import { openStore } from '../store/open-store.js';
import type { LockHolder, RunRecord, RunRow, Store, SyncSession } from '../store/types.js';
import { sync, type SyncSummary } from '../sync/run-sync.js';

export type { LockHolder, RunRecord, RunRow };

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
  /** Who holds the connection's lock — a run of this process, of another serve, or of `runner sync`. */
  holder(connection: LoadedConnection): Promise<LockHolder | undefined>;
  /** Claims the right to start a run here; `undefined` while this process runs it. Release with the returned function. */
  claim(connection: LoadedConnection): (() => void) | undefined;
  /**
   * Runs a sync, telling `onRun` the run's id as soon as it is recorded. Throws
   * {@link LockedElsewhere} when another process holds the connection's lock: nothing ran.
   */
  sync(connection: LoadedConnection, options: RunOptions): Promise<SyncSummary>;
  /** Opens an alert incident in the connection's store; true for the one caller that opened it. */
  claimIncident(connection: LoadedConnection, kind: string): Promise<boolean>;
  closeIncident(connection: LoadedConnection, kind: string): Promise<void>;
  close(): Promise<void>;
}

export interface RunOptions {
  readonly fullResync: boolean;
  readonly signal: AbortSignal;
  readonly onEvent: (event: SyncEvent) => void;
  readonly onRun: (id: number) => void;
  /** Its plans' folder and the containers kept warm for it (see warm-keeper.ts). */
  readonly early?: EarlyStart | undefined;
}

/** Another process (a serve sharing the store, or `runner sync`) runs the connection. */
export class LockedElsewhere extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(message);
  }
}

/**
 * The connections' stores — one per state location, kept open while serving — whose lock
 * lets one run of a connection at a time across processes and machines; within this
 * process, a claim keeps a second run from even trying.
 */
export function openStoreAccess(): StoreAccess {
  const stores = new Map<string, Store>();
  const running = new Set<string>();
  const storeOf = (connection: LoadedConnection) => {
    const state = connection.state!;
    const location = isPostgresLocation(state) ? state : resolve(connectionDir(connection), state);
    let store = stores.get(location);
    if (!store) stores.set(location, (store = openStore(location, connectionDir(connection))));
    return store;
  };
  const ref = (connection: LoadedConnection, id: number) => ({ connection: connection.name, id });
  return {
    runs: (connection, limit) => storeOf(connection).listRuns({ connection: connection.name, limit }),
    run: async (connection, id) => (await storeOf(connection).findRuns(id, connection.name))[0],
    rows: (connection, id, after, limit) => storeOf(connection).runRows(ref(connection, id), after, limit),
    countRows: (connection, id) => storeOf(connection).countRunRows(ref(connection, id)),
    exportCsv: (connection, id, out) => exportRows(storeOf(connection), ref(connection, id), 'csv', out),
    holder: (connection) => storeOf(connection).lockHolder(connection.name),
    claim(connection) {
      if (running.has(connection.name)) return undefined;
      running.add(connection.name);
      return () => running.delete(connection.name);
    },
    async sync(connection, options) {
      const summary = await sync(connection, {
        store: reportingRunStart(storeOf(connection), options.onRun),
        signal: options.signal,
        onEvent: options.onEvent,
        ...(options.fullResync ? { fullResync: true } : {}),
        ...(options.early ? { early: options.early } : {}),
      });
      if (summary.exitCode === EXIT_CODES.locked)
        throw new LockedElsewhere(
          summary.error?.message ?? `${connection.name} is locked`,
          await storeOf(connection).lockHolder(connection.name),
        );
      return summary;
    },
    claimIncident: (connection, kind) => storeOf(connection).claimIncident(connection.name, kind),
    closeIncident: (connection, kind) => storeOf(connection).closeIncident(connection.name, kind),
    async close() {
      await Promise.all([...stores.values()].map((store) => store.close().catch(() => undefined)));
      stores.clear();
    },
  };
}

/** The store as the sync sees it, except that a run's start is reported as soon as it is recorded. */
function reportingRunStart(store: Store, onRun: (id: number) => void): Store {
  return override(store, {
    openSync: async (connection: string) => {
      const session = await store.openSync(connection);
      return override<SyncSession>(session, {
        startRun: async (startedAt: string) => {
          const id = await session.startRun(startedAt);
          onRun(id);
          return id;
        },
      });
    },
  });
}

/** `target` with some methods replaced; everything else, getters included, reads through. */
function override<T extends object>(target: T, methods: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(methods, property)) return methods[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
