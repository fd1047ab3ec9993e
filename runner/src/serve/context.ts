import type { LoadedConnection } from '../connection/load-connection.js';
import type { Schedule } from './schedule.js';
import type { RunManager } from './run-manager.js';
import type { Scheduler } from './scheduler.js';
import type { StoreAccess } from './store-access.js';

/** A connection `serve` runs, with its parsed schedule. */
export interface Served {
  readonly connection: LoadedConnection;
  readonly schedule?: Schedule;
}

/** What the API and the pages read from and act on. */
export interface ServeContext {
  readonly connections: ReadonlyMap<string, Served>;
  readonly store: StoreAccess;
  readonly runs: RunManager;
  readonly scheduler: Scheduler;
  /** BACKFLOW_SERVE_TOKEN; without it nothing can start a run over HTTP. */
  readonly token: string | undefined;
}
