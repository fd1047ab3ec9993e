import type Database from 'better-sqlite3';
import { AlreadyRunningError } from '../../errors.js';
import { HEARTBEAT_MS, holderOf, isStale, type LockIdentity } from '../run-lock.js';
import type { LockHolder } from '../types.js';

interface LockColumns {
  run: number | null;
  pid: number;
  host: string;
  since: string;
  heartbeat: string;
}

function holderFrom(row: LockColumns): LockHolder {
  return {
    ...(row.run !== null ? { run: row.run } : {}),
    pid: row.pid,
    host: row.host,
    since: row.since,
    heartbeat: row.heartbeat,
  };
}

/** The holder recorded in a connection's file, if any (alive or not). */
export function recordedHolder(db: Database.Database): LockHolder | undefined {
  const row = db.prepare('select run, pid, host, since, heartbeat from lock where id = 1').get() as
    LockColumns | undefined;
  return row && holderFrom(row);
}

/**
 * The lock row of a connection's SQLite file: taken in a write transaction (`BEGIN
 * IMMEDIATE`), so two runners starting together cannot both see it free. A live holder makes
 * the second run fail at once; a dead one (stale) is replaced, and returned so its run can be
 * marked as failed.
 */
export class SqliteLock {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Database.Database,
    private readonly identity: LockIdentity,
    private current: LockHolder,
  ) {}

  static acquire(
    db: Database.Database,
    connection: string,
    identity: LockIdentity,
  ): { lock: SqliteLock; takenOver?: LockHolder } {
    const holder = holderOf(identity);
    const take = db.transaction((): LockHolder | undefined => {
      const previous = recordedHolder(db);
      if (previous && !isStale(previous, identity)) throw new AlreadyRunningError(connection, previous);
      db.prepare('insert or replace into lock (id, run, pid, host, since, heartbeat) values (1, null, ?, ?, ?, ?)').run(
        holder.pid,
        holder.host,
        holder.since,
        holder.heartbeat,
      );
      return previous;
    });
    const takenOver = take.immediate();
    const lock = new SqliteLock(db, identity, holder);
    lock.timer = setInterval(() => lock.beat(), HEARTBEAT_MS);
    lock.timer.unref();
    return { lock, ...(takenOver ? { takenOver } : {}) };
  }

  get holder(): LockHolder {
    return this.current;
  }

  /** Names the run holding the lock, for the message a second run prints. */
  setRun(run: number): void {
    this.current = { ...this.current, run };
    this.db
      .prepare('update lock set run = ? where id = 1 and pid = ? and since = ?')
      .run(run, this.current.pid, this.current.since);
  }

  release(): void {
    clearInterval(this.timer);
    this.db
      .prepare('delete from lock where id = 1 and pid = ? and host = ? and since = ?')
      .run(this.current.pid, this.current.host, this.current.since);
  }

  private beat(): void {
    const heartbeat = new Date(this.identity.now()).toISOString();
    try {
      this.db
        .prepare('update lock set heartbeat = ? where id = 1 and pid = ? and host = ? and since = ?')
        .run(heartbeat, this.current.pid, this.current.host, this.current.since);
    } catch {
      // Busy with another write: the next beat is soon enough.
    }
  }
}
