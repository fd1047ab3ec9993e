import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Page cache per connection: fixed, so memory does not grow with the row count. Reads go in key
 * order and the OS caches the file too: 8 MB syncs 3M rows as fast as 32 MB did, and the runner's
 * peak RSS stays level from 1M rows on (32 MB filled only past 1M rows, +50 MB).
 */
const CACHE_KIB = 8 * 1024;
/**
 * Page cache of the run's scratch tables (keys seen, rows set aside), in SQLite's temporary
 * file: appended and read in order, they need little. Left to the default, it held ~20 MB from
 * 1M rows on.
 */
const TEMP_CACHE_KIB = 2 * 1024;
const SUFFIX = '.sqlite';

/**
 * better-sqlite3's addon where its install builds it, when it is there. Given its path,
 * better-sqlite3 loads it at once instead of through `bindings`, which reads the call stack and
 * tries a dozen paths in every run (about 7 ms of CPU); an addon elsewhere is found as before.
 */
function nativeBinding(): Database.Options {
  try {
    return {
      nativeBinding: createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node'),
    };
  } catch {
    return {};
  }
}

/** The folder of a state directory that holds one SQLite file per connection. */
export function connectionsDir(directory: string): string {
  return join(directory, 'connections');
}

/** A connection's file: its name, made safe for any file system. */
export function connectionFile(directory: string, connection: string): string {
  return join(connectionsDir(directory), `${encodeURIComponent(connection)}${SUFFIX}`);
}

/** The connections that have a file in the directory. */
export function connectionsIn(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(connectionsDir(directory));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((n) => n.endsWith(SUFFIX)).map((n) => decodeURIComponent(n.slice(0, -SUFFIX.length)));
}

/**
 * Opens (creating it if needed) the one SQLite file of a connection: committed states,
 * fingerprints, records kept to resend, refusal reasons, run history, the lock row and each
 * stream's delivery target.
 * Commits are durable (WAL, fsynced at each commit: one fsync per checkpoint).
 */
export function openConnectionFile(directory: string, connection: string): Database.Database {
  mkdirSync(connectionsDir(directory), { recursive: true });
  const db = new Database(connectionFile(directory, connection), nativeBinding());
  try {
    // Set before the first table exists; lets the pages the outcome log held go back to the disk.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.pragma('temp_store = FILE');
    db.pragma(`temp.cache_size = -${TEMP_CACHE_KIB}`);
    // Keys are declared `blob` for its "no conversion" affinity: integer keys stay integers.
    db.exec(`
      create table if not exists meta (key text primary key, value text not null);
      create table if not exists states (key text primary key, state text not null, committed_at text not null);
      create table if not exists streams (id integer primary key, name text not null unique);
      create table if not exists fingerprints (
        stream integer not null, k blob not null, r blob not null, f integer not null, v text not null,
        primary key (stream, k)) without rowid;
      create table if not exists outcome_log (
        seq integer primary key, stream integer not null, k blob not null, op integer not null,
        r blob not null, f integer not null, v text not null);
      create table if not exists kept (
        stream integer not null, k blob not null, r blob not null, v text not null, data text not null,
        primary key (stream, k)) without rowid;
      create table if not exists rejections (
        stream integer not null, k blob not null, reason text not null, field text,
        primary key (stream, k)) without rowid;
      create table if not exists runs (
        id integer primary key autoincrement, started_at text not null, finished_at text, status text not null,
        exit_code integer, streams text not null, totals text, error text);
      create table if not exists run_rows (
        run integer not null, seq integer not null, stream text not null, kind text not null, key text not null,
        reason text not null, retryable integer not null, field text, primary key (run, seq)) without rowid;
      create table if not exists lock (
        id integer primary key check (id = 1), run integer, pid integer not null, host text not null,
        since text not null, heartbeat text not null);`);
    // Open alert incidents of `runner serve` (one row per incident kind while it lasts).
    db.exec(`create table if not exists incidents (kind text primary key, opened_at text not null) without rowid;`);
    // Delivery targets: the (object, destination stream, mapping) each stream's fingerprints belong to.
    // Files made before it get the table on their next open.
    db.exec(
      'create table if not exists targets (stream text primary key, target text not null, recorded_at text not null)',
    );
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
