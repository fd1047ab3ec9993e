import type pg from 'pg';
import { AlreadyRunningError } from '../../errors.js';
import { HEARTBEAT_MS, heartbeatStopped, holderOf, type LockIdentity } from '../run-lock.js';
import type { LockHolder } from '../types.js';
import { SCHEMA } from './postgres-schema.js';

/** Namespace of the store's advisory locks (the second key is the connection's hash). */
const LOCK_SPACE = 0x6266_6c78;
/** How long to wait for the lock of a holder whose session was just ended. */
const TAKEOVER_WAIT = '10s';

interface LockColumns {
  run: string | null;
  pid: number;
  host: string;
  since: Date;
  heartbeat: Date;
  backend_pid: number;
}

function holderFrom(row: LockColumns): LockHolder {
  return {
    ...(row.run !== null ? { run: Number(row.run) } : {}),
    pid: row.pid,
    host: row.host,
    since: row.since.toISOString(),
    heartbeat: row.heartbeat.toISOString(),
  };
}

async function recorded(client: pg.ClientBase, connection: string): Promise<LockColumns | undefined> {
  const { rows } = await client.query<LockColumns>(
    `select run, pid, host, since, heartbeat, backend_pid from ${SCHEMA}.locks where connection = $1`,
    [connection],
  );
  return rows[0];
}

/** Whether a run holds the connection's advisory lock now, and who (from the lock row). */
export async function liveHolder(client: pg.ClientBase, connection: string): Promise<LockHolder | undefined> {
  const { rows } = await client.query<{ held: boolean }>(
    `select exists (select 1 from pg_locks where locktype = 'advisory' and classid = $1::int::oid
       and objid = hashtext($2)::oid and objsubid = 2) as held`,
    [LOCK_SPACE, connection],
  );
  if (!rows[0]!.held) return undefined;
  const row = await recorded(client, connection);
  return row && holderFrom(row);
}

/**
 * A session-level advisory lock per connection, held by the run's own client: Postgres frees
 * it the moment that session ends, so a killed runner leaves no lock behind. The lock row
 * (`backflow.locks`) says who holds it, for the message a second run prints; a holder whose
 * heartbeat stopped (a runner frozen, or cut off without its session ending) has its session
 * ended and the lock is taken over.
 */
export class PostgresLock {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly client: pg.ClientBase,
    private readonly connection: string,
    private readonly identity: LockIdentity,
    private current: LockHolder,
  ) {}

  static async acquire(
    client: pg.ClientBase,
    connection: string,
    identity: LockIdentity,
  ): Promise<{ lock: PostgresLock; takenOver?: LockHolder }> {
    if (!(await tryLock(client, connection))) {
      const row = await recorded(client, connection);
      const holder = row ? holderFrom(row) : undefined;
      // A live session means a live process somewhere: only a stopped heartbeat makes it stale.
      if (!row || !holder || !heartbeatStopped(holder, identity)) {
        throw new AlreadyRunningError(
          connection,
          holder ?? { pid: 0, host: 'unknown', since: new Date(identity.now()).toISOString() },
        );
      }
      await client.query('select pg_terminate_backend($1)', [row.backend_pid]);
      await client.query(`set lock_timeout = '${TAKEOVER_WAIT}'`);
      try {
        await client.query('select pg_advisory_lock($1, hashtext($2))', [LOCK_SPACE, connection]);
      } finally {
        await client.query('reset lock_timeout');
      }
    }
    const previous = await recorded(client, connection);
    const holder = holderOf(identity);
    await client.query(
      `insert into ${SCHEMA}.locks (connection, run, pid, host, since, heartbeat, backend_pid)
         values ($1, null, $2, $3, $4, $4, pg_backend_pid())
       on conflict (connection) do update set run = null, pid = excluded.pid, host = excluded.host,
         since = excluded.since, heartbeat = excluded.heartbeat, backend_pid = excluded.backend_pid`,
      [connection, holder.pid, holder.host, holder.since],
    );
    const lock = new PostgresLock(client, connection, identity, holder);
    lock.timer = setInterval(() => void lock.beat(), HEARTBEAT_MS);
    lock.timer.unref();
    return { lock, ...(previous ? { takenOver: holderFrom(previous) } : {}) };
  }

  get holder(): LockHolder {
    return this.current;
  }

  async setRun(run: number): Promise<void> {
    this.current = { ...this.current, run };
    await this.client.query(
      `update ${SCHEMA}.locks set run = $2 where connection = $1 and backend_pid = pg_backend_pid()`,
      [this.connection, run],
    );
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.client.query(`delete from ${SCHEMA}.locks where connection = $1 and backend_pid = pg_backend_pid()`, [
      this.connection,
    ]);
    await this.client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE, this.connection]);
  }

  private async beat(): Promise<void> {
    await this.client
      .query(`update ${SCHEMA}.locks set heartbeat = $2 where connection = $1 and backend_pid = pg_backend_pid()`, [
        this.connection,
        new Date(this.identity.now()).toISOString(),
      ])
      .catch(() => undefined);
  }
}

async function tryLock(client: pg.ClientBase, connection: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [
    LOCK_SPACE,
    connection,
  ]);
  return rows[0]!.ok;
}
