import type { AcceptanceOptions, AcceptanceReport } from './acceptance/suite.js';
import type { ServeOptions, Serving } from './serve/serve.js';

export {
  sync,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_IDLE_SECONDS,
  type SyncOptions,
  type SyncSummary,
} from './sync/run-sync.js';
export { DEFAULT_PLAN_SAMPLES } from './sync/plan-defaults.js';
export { plan, type PlanOptions, type PlannedRow, type PlanSummary, type StreamPlan } from './sync/plan-sync.js';
export { loadConnection, parseConnection, type LoadedConnection } from './connection/load-connection.js';
export type { Connection, Endpoint, StreamSettings } from './generated/connection.js';
export {
  EXIT_CODES,
  ConfigurationError,
  ConnectorFailure,
  InterruptedError,
  AlreadyRunningError,
  RunnerError,
  type ExitCode,
} from './errors.js';
export { emptyCounts, type StreamCounts, type SyncEvent } from './report/events.js';
export type { EventSink } from './report/reporter.js';
export {
  openStore,
  SqliteStore,
  PostgresStore,
  DEFAULT_STATE,
  isPostgresLocation,
  type Checkpoint,
  type LockHolder,
  type PlanSession,
  type RunEnd,
  type RunRecord,
  type RunRef,
  type RunRow,
  type RunStatus,
  type Store,
  type SyncSession,
} from './store/index.js';
export { exportRows } from './history/export-rows.js';
export { loadConnectionLocation, type ConnectionLocation } from './connection/load-connection.js';
export {
  DockerLauncher,
  ProcessLauncher,
  resolveConnector,
  removeStaleContainers,
  removeLeftovers,
  LABELS,
  type RemoveLeftoversOptions,
  type ConnectorInvocation,
  type ConnectorProcess,
  type Launcher,
} from './launchers/index.js';
export type { ServeOptions, Serving } from './serve/serve.js';
export { DEFAULT_SERVE_PORT } from './serve/serve-defaults.js';
export type { Clock } from './serve/clock.js';
export type { Alert } from './serve/alerts.js';
export { formatReport } from './acceptance/format-report.js';
export type { CheckResult as AcceptanceCheck } from './acceptance/result.js';
export type { AcceptanceOptions, AcceptanceReport } from './acceptance/suite.js';

// serve and the acceptance suite load on first call: an embedding that only syncs (and the
// start-up of each sync) skips their modules.

/** Serves connections: schedules, trigger API, run page and alerts (see serve/serve.ts). */
export async function startServe(options: ServeOptions): Promise<Serving> {
  return (await import('./serve/serve.js')).startServe(options);
}

/** Runs the acceptance checks against a connector (see acceptance/suite.ts). */
export async function runAcceptance(options: AcceptanceOptions): Promise<AcceptanceReport> {
  return (await import('./acceptance/suite.js')).runAcceptance(options);
}
