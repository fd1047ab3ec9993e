import type { StreamCounts } from '../report/events.js';

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

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** One recorded sync run. */
export interface RunRecord {
  readonly id: number;
  readonly connection: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly status: RunStatus;
  readonly exitCode?: number;
  readonly streams: Record<string, StreamCounts>;
  readonly totals?: StreamCounts;
  readonly error?: string;
}

export interface RunEnd {
  readonly finishedAt: string;
  readonly status: Exclude<RunStatus, 'running'>;
  readonly exitCode: number;
  readonly streams: Record<string, StreamCounts>;
  readonly totals: StreamCounts;
  readonly error?: string;
}

/** Where sync runs are recorded: next to the state (SQLite file or Postgres tables). */
export interface RunHistory {
  readonly location: string;
  start(connection: string, startedAt: string): Promise<number>;
  /** Records undelivered rows of a run; called in batches while it runs. */
  addRows(run: number, rows: readonly RunRow[]): Promise<void>;
  finish(run: number, end: RunEnd): Promise<void>;
  /** Runs, newest first. */
  list(options: { connection?: string; limit: number }): Promise<RunRecord[]>;
  get(run: number): Promise<RunRecord | undefined>;
  /** A run's undelivered rows in the order they were recorded, `limit` after row number `after`. */
  rows(run: number, after: number, limit: number): Promise<{ seq: number; row: RunRow }[]>;
  countRows(run: number): Promise<number>;
  close(): Promise<void>;
}
