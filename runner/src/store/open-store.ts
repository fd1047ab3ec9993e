import { resolve } from 'node:path';
import { isPostgresLocation } from './location.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

/**
 * Opens the store at a state location: `postgres://…` (or `postgresql://…`) is the Postgres
 * store, anything else a directory — relative to `baseDir`, the connection file's folder.
 */
export function openStore(location: string, baseDir: string): Store {
  if (isPostgresLocation(location)) return new PostgresStore(location);
  return new SqliteStore(resolve(baseDir, location));
}
