import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Before the one-file-per-connection store, a state directory held three things:
 * `state/<connection>.json` (committed states), `fingerprints/<connection>.sqlite` (same
 * tables as now) and `history.sqlite` (the runs of every connection). They are moved into the
 * connection's file the first time it is opened, in one transaction, then removed.
 */
const MIGRATED = 'legacy_migrated';

function legacyPaths(directory: string, connection: string) {
  return {
    state: join(directory, 'state', `${connection}.json`),
    fingerprints: join(directory, 'fingerprints', `${connection}.sqlite`),
    history: join(directory, 'history.sqlite'),
  };
}

/** Connections that still have data in the old layout. */
export function legacyConnections(directory: string): string[] {
  const names = new Set<string>();
  for (const [folder, suffix] of [
    ['state', '.json'],
    ['fingerprints', '.sqlite'],
  ] as const) {
    try {
      for (const file of readdirSync(join(directory, folder)))
        if (file.endsWith(suffix)) names.add(file.slice(0, -suffix.length));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const history = join(directory, 'history.sqlite');
  if (existsSync(history)) {
    const db = new Database(history, { readonly: true });
    try {
      for (const { connection } of db.prepare('select distinct connection from runs').all() as { connection: string }[])
        names.add(connection);
    } finally {
      db.close();
    }
  }
  return [...names];
}

/** Moves a connection's data of the old layout into its file `db`, once. */
export function migrateLegacy(db: Database.Database, directory: string, connection: string): void {
  const paths = legacyPaths(directory, connection);
  const hasFingerprints = existsSync(paths.fingerprints);
  const hasState = existsSync(paths.state);
  const hasHistory = existsSync(paths.history) && historyHas(paths.history, connection);
  if (!hasFingerprints && !hasState && !hasHistory) return;
  const states = hasState
    ? Object.entries((JSON.parse(readFileSync(paths.state, 'utf8')) as { states: Record<string, unknown> }).states)
    : [];
  if (hasFingerprints) db.prepare('attach database ? as legacy_fp').run(paths.fingerprints);
  if (hasHistory) db.prepare('attach database ? as legacy_history').run(paths.history);
  try {
    db.transaction(() => {
      if (db.prepare('select 1 from meta where key = ?').get(MIGRATED)) return;
      if (hasFingerprints) {
        db.exec(`
          insert into streams (id, name) select id, name from legacy_fp.streams;
          insert into fingerprints (stream, k, r, f, v) select stream, k, r, f, v from legacy_fp.fingerprints;
          insert into outcome_log (seq, stream, k, op, r, f, v) select seq, stream, k, op, r, f, v from legacy_fp.outcome_log;
          insert into kept (stream, k, r, v, data) select stream, k, r, v, data from legacy_fp.kept;
          insert into rejections (stream, k, reason, field) select stream, k, reason, field from legacy_fp.rejections;`);
      }
      const insertState = db.prepare('insert or replace into states (key, state, committed_at) values (?, ?, ?)');
      const now = new Date().toISOString();
      for (const [key, state] of states) insertState.run(key, JSON.stringify(state), now);
      if (hasHistory) {
        db.prepare(
          `insert into runs (id, started_at, finished_at, status, exit_code, streams, totals, error)
             select id, started_at, finished_at, status, exit_code, streams, totals, error
             from legacy_history.runs where connection = ?`,
        ).run(connection);
        db.prepare(
          `insert into run_rows (run, seq, stream, kind, key, reason, retryable, field)
             select r.run, r.seq, r.stream, r.kind, r.key, r.reason, r.retryable, r.field
             from legacy_history.run_rows r join legacy_history.runs u on u.id = r.run where u.connection = ?`,
        ).run(connection);
      }
      db.prepare('insert into meta (key, value) values (?, ?)').run(MIGRATED, new Date().toISOString());
    }).immediate();
  } finally {
    if (hasFingerprints) db.exec('detach database legacy_fp');
    if (hasHistory) db.exec('detach database legacy_history');
  }
  removeLegacy(directory, connection);
}

function historyHas(history: string, connection: string): boolean {
  const db = new Database(history, { readonly: true });
  try {
    return db.prepare('select 1 from runs where connection = ? limit 1').get(connection) !== undefined;
  } finally {
    db.close();
  }
}

/** Removes what was moved; the shared history file goes once no connection's runs are left in it. */
function removeLegacy(directory: string, connection: string): void {
  const paths = legacyPaths(directory, connection);
  rmSync(paths.state, { force: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(paths.fingerprints + suffix, { force: true });
  if (existsSync(paths.history)) {
    const db = new Database(paths.history);
    let empty: boolean;
    try {
      db.pragma('busy_timeout = 10000');
      db.transaction(() => {
        db.prepare('delete from run_rows where run in (select id from runs where connection = ?)').run(connection);
        db.prepare('delete from runs where connection = ?').run(connection);
      })();
      empty = db.prepare('select 1 from runs limit 1').get() === undefined;
    } finally {
      db.close();
    }
    if (empty) for (const suffix of ['', '-wal', '-shm']) rmSync(paths.history + suffix, { force: true });
  }
  for (const folder of ['state', 'fingerprints']) {
    try {
      rmdirSync(join(directory, folder));
    } catch {
      // Not empty (another connection's files are still there) or already gone.
    }
  }
}
