import { hostname } from 'node:os';

/**
 * Whether the runner process `pid` on `host` is known to be dead: only a process of this host
 * can be checked, so another host's runner, or a live one, is never taken for dead. (A pid reused
 * since by another process reads as alive: its leftovers wait for a later run, never the reverse.)
 */
export function ownerIsDead(host: string, pid: number): boolean {
  if (host !== hostname() || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
