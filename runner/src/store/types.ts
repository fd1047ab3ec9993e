import type { AirbyteStateMessage } from '@backflow/protocol';
import type { FingerprintSession, KeptRecord, Outcome } from '../diff/fingerprint-session.js';
import type { EndStatus, StreamCounts } from '../report/events.js';

/** A row of a run that was not delivered: refused by the destination, or invalid before sending. */
export interface RunRow {
  readonly stream: string;
  readonly kind: 'rejected' | 'invalid';
  /** Rejected: the destination's key fields; invalid: the primary key. */
  readonly key: Record<string, unknown>;
  readonly reason: string;
  readonly retryable: boolean;
  readonly field?: string;
}

export type RunStatus = 'running' | EndStatus;

/** One recorded sync run. Run ids are unique per connection (and per location in Postgres). */
export interface RunRecord {
  readonly id: number;
  readonly connection: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly status: RunStatus;
  readonly exitCode?: number;
  /** Counts per stream: final once the run finished, as of its last commit while it runs. */
  readonly streams: Record<string, StreamCounts>;
  readonly totals?: StreamCounts;
  readonly error?: string;
}

export interface RunEnd {
  readonly finishedAt: string;
  readonly status: EndStatus;
  readonly exitCode: number;
  readonly streams: Record<string, StreamCounts>;
  readonly totals: StreamCounts;
  readonly error?: string;
}

/** Who holds a connection's lock: the message of a second run names them. */
export interface LockHolder {
  readonly run?: number;
  readonly pid: number;
  readonly host: string;
  /** When the holder took the lock (ISO 8601). */
  readonly since: string;
  /** Last sign of life (ISO 8601): a holder on another host is stale once this is old. */
  readonly heartbeat: string;
}

/**
 * What one destination commit makes durable, written in ONE transaction: after a crash the
 * store holds all of it or none of it, so states, fingerprints and the history never disagree.
 */
export interface Checkpoint {
  /** Source states now safe to resume from (as sent; the store keeps only what resuming needs). */
  readonly states?: readonly AirbyteStateMessage[];
  /** Fingerprint changes of the rows the commit confirmed: delivered, refused for good, deleted. */
  readonly outcomes?: readonly Outcome[];
  /** Records refused for now on incrementally read streams, kept to resend next run. */
  readonly kept?: readonly { readonly stream: number; readonly records: readonly KeptRecord[] }[];
  /** Undelivered rows (rejected, invalid) to add to the run's history. */
  readonly rows?: readonly RunRow[];
  /** The run's counts so far, per stream. */
  readonly counts?: Record<string, StreamCounts>;
  /** The delivery target of each stream (by stream key) that this commit's fingerprints belong to. */
  readonly targets?: Readonly<Record<string, string>>;
}

/** A connection's data opened for reading, as a plan does: nothing but scratch data is written. */
export interface PlanSession {
  readonly connection: string;
  /** The committed source states (empty on the first run). */
  states(): Promise<AirbyteStateMessage[]>;
  /** The connection's fingerprints, for the diff. */
  readonly fingerprints: FingerprintSession;
  /** The delivery target each stream's fingerprints belong to, by stream key (none before a stream's first commit). */
  targets(): Promise<Map<string, string>>;
  close(): Promise<void>;
}

/**
 * A connection's data opened for a sync, holding the connection's lock until `close`: no
 * other run of the connection can start meanwhile.
 */
export interface SyncSession extends PlanSession {
  /** This run's hold on the lock. */
  readonly lock: LockHolder;
  /** Forgets the committed states (a full resync starts from scratch). */
  resetStates(): Promise<void>;
  /**
   * Forgets what was delivered of one stream (by key) — fingerprints, records kept to resend,
   * refusals — and its committed state, in one transaction: its next send is a full one.
   */
  resetStream(stream: string): Promise<void>;
  /** Records the start of a run; returns its id. */
  startRun(startedAt: string): Promise<number>;
  /** Makes a checkpoint durable, in one transaction. */
  commit(checkpoint: Checkpoint): Promise<void>;
  /**
   * Applies what the run's commits left pending (the embedded store merges its outcome log
   * into the fingerprints); call after the last commit. `close` does it too if needed.
   */
  settle(): Promise<void>;
  /** Records the run's end. */
  finishRun(end: RunEnd): Promise<void>;
  /** Settles and releases the lock. */
  close(): Promise<void>;
}

/** Where to find a recorded run: run ids are per connection in the embedded store. */
export interface RunRef {
  readonly connection: string;
  readonly id: number;
}

/**
 * Everything a connection knows between runs — committed STATE, row fingerprints, records
 * kept to resend, rejected-row outcomes, run history, and the lock that lets one run at a
 * time — at one location: a directory (one SQLite file per connection) or a Postgres
 * database (one schema). Sync, plan, diff and history all go through it.
 */
export interface Store {
  /** Human-readable location, for messages (never with a password). */
  readonly location: string;
  /**
   * Opens a connection for a sync: takes its lock first, and fails at once with
   * `AlreadyRunningError` while a live run holds it (a stale lock is taken over).
   */
  openSync(connection: string): Promise<SyncSession>;
  /** Opens a connection for a plan: no lock, nothing written. */
  openPlan(connection: string): Promise<PlanSession>;
  /** The live holder of a connection's lock, if a run holds it. */
  lockHolder(connection: string): Promise<LockHolder | undefined>;
  /** Recorded runs, newest first (of one connection, or of every connection here). */
  listRuns(options: { connection?: string; limit: number }): Promise<RunRecord[]>;
  /** The runs with this id (several connections of a directory may each have one). */
  findRuns(id: number, connection?: string): Promise<RunRecord[]>;
  /** A run's undelivered rows in the order they were recorded, `limit` after row number `after`. */
  runRows(run: RunRef, after: number, limit: number): Promise<{ seq: number; row: RunRow }[]>;
  countRunRows(run: RunRef): Promise<number>;

  // Alert incidents (`runner serve`): kept with the history so that a restart, or another
  // serve process sharing this store, never alerts twice on the same incident.
  /** Opens the connection's incident of this kind; true for the caller that opened it (and alerts), false while it is open. */
  claimIncident(connection: string, kind: string): Promise<boolean>;
  /** Closes it, if open: the next one alerts again. */
  closeIncident(connection: string, kind: string): Promise<void>;

  close(): Promise<void>;
}
