export {
  sync,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_IDLE_SECONDS,
  type SyncOptions,
  type SyncSummary,
} from './sync/run-sync.js';
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
export type { StreamCounts, SyncEvent } from './report/events.js';
export type { EventSink } from './report/reporter.js';
export { FileStateStore } from './state/file-state-store.js';
export { PostgresStateStore } from './state/postgres-state-store.js';
export { openStateStore } from './state/open-state-store.js';
export type { StateStore } from './state/state-store.js';
export {
  DockerLauncher,
  ProcessLauncher,
  resolveConnector,
  removeStaleContainers,
  type ConnectorInvocation,
  type ConnectorProcess,
  type Launcher,
} from './launchers/index.js';
