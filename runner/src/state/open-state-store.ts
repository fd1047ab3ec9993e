import { resolve } from 'node:path';
import type { FingerprintStore } from '../diff/fingerprint-store.js';
import { PostgresFingerprintStore } from '../diff/postgres-fingerprint-store.js';
import { SqliteFingerprintStore } from '../diff/sqlite-fingerprint-store.js';
import { PostgresRunHistory } from '../history/postgres-run-history.js';
import type { RunHistory } from '../history/run-history.js';
import { SqliteRunHistory } from '../history/sqlite-run-history.js';
import { FileStateStore } from './file-state-store.js';
import { PostgresStateStore } from './postgres-state-store.js';
import type { StateStore } from './state-store.js';

function isPostgres(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** `postgres://…` (or `postgresql://…`) opens the Postgres store; anything else is a directory. */
export function openStateStore(location: string, baseDir: string): StateStore {
  if (isPostgres(location)) return new PostgresStateStore(location);
  return new FileStateStore(resolve(baseDir, location));
}

/** Row fingerprints live with the states: SQLite files in the directory, or tables in Postgres. */
export function openFingerprintStore(location: string, baseDir: string): FingerprintStore {
  if (isPostgres(location)) return new PostgresFingerprintStore(location);
  return new SqliteFingerprintStore(resolve(baseDir, location));
}

/** The run history lives with the states too. */
export function openRunHistory(location: string, baseDir: string): RunHistory {
  if (isPostgres(location)) return new PostgresRunHistory(location);
  return new SqliteRunHistory(resolve(baseDir, location));
}
