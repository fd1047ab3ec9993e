export { openStore } from './open-store.js';
export { DEFAULT_STATE, isPostgresLocation } from './location.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export { PostgresStore } from './postgres/postgres-store.js';
export type {
  Checkpoint,
  LockHolder,
  PlanSession,
  RunEnd,
  RunRecord,
  RunRef,
  RunRow,
  RunStatus,
  Store,
  SyncSession,
} from './types.js';
