import { resolve } from 'node:path';
import { FileStateStore } from './file-state-store.js';
import { PostgresStateStore } from './postgres-state-store.js';
import type { StateStore } from './state-store.js';

/** `postgres://…` (or `postgresql://…`) opens the Postgres store; anything else is a directory. */
export function openStateStore(location: string, baseDir: string): StateStore {
  if (/^postgres(ql)?:\/\//.test(location)) return new PostgresStateStore(location);
  return new FileStateStore(resolve(baseDir, location));
}
