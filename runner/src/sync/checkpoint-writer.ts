import type { AirbyteStateMessage } from '@backflow/protocol';
import type { KeptRecord, Outcome } from '../diff/fingerprint-session.js';
import type { StreamCounts } from '../report/events.js';
import type { RunRow, SyncSession } from '../store/types.js';

/** Undelivered rows waiting for a commit are written on their own past this many. */
const ROWS_BATCH = 500;

/** What one destination commit settled, to make durable. */
export interface CommitParts {
  readonly states?: readonly AirbyteStateMessage[];
  readonly outcomes?: readonly Outcome[];
  readonly kept?: readonly { readonly stream: number; readonly records: readonly KeptRecord[] }[];
}

/**
 * The committing part of a sync: each destination commit becomes one store transaction —
 * source states, the fingerprints of the rows it confirmed, records kept to resend, the
 * undelivered rows noted since the last one and the run's counts. Writes are queued, so the
 * store sees them one at a time and in order, whichever loop of the sync asks.
 */
export class CheckpointWriter {
  private rows: RunRow[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly session: SyncSession,
    private readonly counts: ReadonlyMap<string, StreamCounts>,
    /** Delivery targets of the run's streams: the first commit records them with its fingerprints. */
    private targets?: Readonly<Record<string, string>>,
  ) {}

  /** Notes an undelivered row for the run history; it is written with the next commit. */
  undelivered(row: RunRow): void {
    this.rows.push(row);
    if (this.rows.length >= ROWS_BATCH) this.commit({}).catch((error: unknown) => (this.failure ??= error));
  }

  /** Writes a checkpoint (and the rows noted so far) in one transaction. */
  commit(parts: CommitParts): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    const targets = this.targets;
    this.targets = undefined;
    const write = this.chain.then(() =>
      this.session.commit({
        ...parts,
        rows,
        counts: Object.fromEntries(this.snapshot()),
        ...(targets ? { targets } : {}),
      }),
    );
    // A failed write fails its caller; the queue goes on for the next one.
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Writes what is noted and waits for every queued write; fails if a write of noted rows failed. */
  async flush(): Promise<void> {
    if (this.rows.length > 0) await this.commit({});
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  private snapshot(): [string, StreamCounts][] {
    return [...this.counts].map(([stream, counts]) => [stream, { ...counts }]);
  }
}
