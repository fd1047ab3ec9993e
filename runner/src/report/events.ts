/** Per-stream counts of one sync run. */
export interface StreamCounts {
  /** Records the source produced. */
  read: number;
  /** Records handed to the destination. */
  sent: number;
  /** Records the destination confirmed by a committed checkpoint (rejected ones excluded). */
  committed: number;
  /** Records the destination refused, with a reason (see the run's rejections). */
  rejected: number;
}

/** What a sync reports while it runs: for progress displays and for platforms embedding the runner. */
export type SyncEvent =
  | { type: 'started'; connection: string; streams: string[]; executor: string }
  | { type: 'progress'; stream: string; counts: StreamCounts }
  | { type: 'committed'; streams: string[]; recordsCommitted: number }
  | { type: 'log'; origin: string; level: string; message: string }
  | { type: 'finished'; status: 'succeeded' | 'failed' | 'interrupted'; durationMs: number };
