import { hostname } from 'node:os';
import type { LockHolder } from './types.js';

/** A lock holder writes a heartbeat this often… */
export const HEARTBEAT_MS = 30_000;
/** …and a holder on another host whose heartbeat is older than this is taken for dead. */
export const STALE_AFTER_MS = 5 * 60_000;

/** Who this process is, and how it tells whether another holder is still alive. */
export interface LockIdentity {
  readonly pid: number;
  readonly host: string;
  readonly now: () => number;
  /** Whether a process of this host is alive. */
  readonly alive: (pid: number) => boolean;
}

export function thisProcess(): LockIdentity {
  return { pid: process.pid, host: hostname(), now: Date.now, alive: processAlive };
}

/** A new holder record for this process. */
export function holderOf(identity: LockIdentity): LockHolder {
  const now = new Date(identity.now()).toISOString();
  return { pid: identity.pid, host: identity.host, since: now, heartbeat: now };
}

/**
 * A holder is stale when its process is gone: on this host, when no process has its pid;
 * anywhere, when its heartbeat stopped (another host on a shared disk, or its pid reused by
 * another process since it died).
 */
export function isStale(holder: LockHolder, identity: LockIdentity): boolean {
  if (holder.host === identity.host && !identity.alive(holder.pid)) return true;
  return heartbeatStopped(holder, identity);
}

/** The holder has not written a heartbeat for `STALE_AFTER_MS`. */
export function heartbeatStopped(holder: LockHolder, identity: LockIdentity): boolean {
  return identity.now() - Date.parse(holder.heartbeat) > STALE_AFTER_MS;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a run that died holding the lock is recorded as, once its lock is taken over. */
export function deadRunError(holder: LockHolder): string {
  return `the runner stopped without finishing (pid ${holder.pid} on ${holder.host}); its lock was taken over`;
}
