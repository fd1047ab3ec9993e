export {
  sync,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_IDLE_SECONDS,
  type SyncOptions,
  type SyncSummary,
} from './sync/run-sync.js';
export {
  plan,
  DEFAULT_PLAN_SAMPLES,
  type PlanOptions,
  type PlannedRow,
  type PlanSummary,
  type StreamPlan,
} from './sync/plan-sync.js';
export { loadConnection, parseConnection, type LoadedConnection } from './connection/load-connection.js';
export type { Connection, Endpoint, StreamSettings } from './generated/connection.js';
export {
  EXIT_CODES,
  ConfigurationError,
  ConnectorFailure,
  InterruptedError,
  RunnerError,
  type ExitCode,
} from './errors.js';
export { emptyCounts, type StreamCounts, type SyncEvent } from './report/events.js';
export type { EventSink } from './report/reporter.js';
export { FileStateStore } from './state/file-state-store.js';
export { PostgresStateStore } from './state/postgres-state-store.js';
export { openFingerprintStore, openRunHistory, openStateStore } from './state/open-state-store.js';
export type { StateStore } from './state/state-store.js';
export type { FingerprintStore } from './diff/fingerprint-store.js';
export { SqliteFingerprintStore } from './diff/sqlite-fingerprint-store.js';
export { PostgresFingerprintStore } from './diff/postgres-fingerprint-store.js';
export type { RunHistory, RunRecord, RunRow, RunStatus } from './history/run-history.js';
export { SqliteRunHistory } from './history/sqlite-run-history.js';
export { PostgresRunHistory } from './history/postgres-run-history.js';
export {
  DockerLauncher,
  ProcessLauncher,
  resolveConnector,
  removeStaleContainers,
  type ConnectorInvocation,
  type ConnectorProcess,
  type Launcher,
} from './launchers/index.js';
export {
  formatReport,
  runAcceptance,
  type AcceptanceOptions,
  type AcceptanceReport,
  type CheckResult as AcceptanceCheck,
} from './acceptance/index.js';
