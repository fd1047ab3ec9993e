import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConnection } from '../connection/load-connection.js';
import { cacheDirFromEnv } from '../connectors/connector-cache.js';
import earlyStart from '../launchers/early-start.cjs';
import type { EarlyStart } from '../launchers/index.js';
import type { SyncSummary } from '../sync/run-sync.js';
import type { Clock } from './clock.js';

/** How much longer than until its next slot a connection's containers wait: the slot's run may start late. */
const SLOT_MARGIN_MS = 60_000;
/** A next slot this close leaves no time to start containers ahead of it. */
const TOO_SOON_MS = 10_000;
/** The longest a container is kept waiting, as `runner sync --keep-warm` allows. */
const LONGEST_WAIT_MS = 24 * 3_600_000;

/**
 * Keeps the containers of each scheduled Docker connection warm between its runs, as
 * `runner sync --keep-warm` does for cron: once a run has succeeded, its connectors' containers
 * are started again (early-start.cts) to wait until the connection's next slot, and that run
 * claims them up and loaded instead of starting its own. Each connection's plans are kept in a
 * folder of the cache of their own, named after the connection file and its contents.
 */
export class WarmKeeper {
  private readonly planDirs = new Set<string>();
  private readonly warming = new Set<Promise<void>>();

  constructor(
    private readonly clock: Clock,
    /** When the connection runs next, if scheduled. */
    private readonly nextRun: (connection: string) => number | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * What a run of the connection starts with: its plans' folder, and the containers kept warm
   * for it; nothing when its file cannot be read (the run then says why).
   */
  claim(connection: LoadedConnection): EarlyStart | undefined {
    const planDir = planDirOf(connection);
    if (planDir === undefined) return undefined;
    this.planDirs.add(planDir);
    return earlyStart.claimWarmContainers(planDir);
  }

  /** After a run: if it succeeded and the connection runs again within a day, starts its containers to wait for that run. */
  finished(connection: LoadedConnection, summary: SyncSummary): void {
    const next = this.nextRun(connection.name);
    const planDir = planDirOf(connection);
    if (summary.status !== 'succeeded' || next === undefined || planDir === undefined) return;
    const waitMs = next - this.clock.now() + SLOT_MARGIN_MS;
    if (waitMs < TOO_SOON_MS + SLOT_MARGIN_MS || waitMs > LONGEST_WAIT_MS) return;
    const warming = earlyStart.warmContainers(planDir, waitMs).catch((error: unknown) => {
      this.log(`${connection.name}: could not keep its containers warm: ${(error as Error).message}`);
    });
    this.warming.add(warming);
    void warming.finally(() => this.warming.delete(warming));
  }

  /** Removes the containers kept warm that no run took (serve is stopping). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.warming]);
    await Promise.allSettled([...this.planDirs].map((planDir) => earlyStart.discardWarmContainers(planDir)));
  }
}

/** The connection's plans' folder: any change to its file finds no plan (as for `runner sync`, early-start.cts). */
function planDirOf(connection: LoadedConnection): string | undefined {
  let contents: Buffer;
  try {
    contents = readFileSync(connection.file);
  } catch {
    return undefined;
  }
  const key = createHash('sha1')
    .update(JSON.stringify(['serve', connection.file]))
    .update(contents)
    .digest('hex');
  return join(cacheDirFromEnv(), 'early', key);
}
