/** How a sync or plan ended. */
export type EndStatus = 'succeeded' | 'failed' | 'interrupted';

/** Per-stream counts of one sync run (or plan). */
export interface StreamCounts {
  /** Records the source produced. */
  read: number;
  /** Rows whose key was not delivered before. */
  added: number;
  /** Rows delivered before whose mapped data changed. */
  changed: number;
  /** Rows delivered before with the same mapped data (not sent, except by `append` or `--full-resync`). */
  unchanged: number;
  /** Rows delivered before that left the model (deleted under `mirror`; full-refresh streams only). */
  removed: number;
  /** Rows not sent because they are invalid: duplicate or missing key, failed type conversion. */
  invalid: number;
  /** Records handed to the destination (deletes and resends included). */
  sent: number;
  /** Records the destination confirmed by a committed checkpoint (rejected ones excluded). */
  committed: number;
  /** Records the destination refused, with a reason (see the run's rejections), including rows still refused from an earlier run. */
  rejected: number;
}

/** The counts in the order summaries and the run history show them. */
export const COUNT_COLUMNS = [
  'read',
  'added',
  'changed',
  'removed',
  'unchanged',
  'invalid',
  'sent',
  'committed',
  'rejected',
] as const satisfies readonly (keyof StreamCounts)[];

/** Zero counts. */
export function emptyCounts(): StreamCounts {
  return { read: 0, added: 0, changed: 0, unchanged: 0, removed: 0, invalid: 0, sent: 0, committed: 0, rejected: 0 };
}

/** What a sync reports while it runs: for progress displays and for platforms embedding the runner. */
export type SyncEvent =
  | { type: 'started'; connection: string; streams: string[]; executor: string }
  | { type: 'progress'; stream: string; counts: StreamCounts }
  | { type: 'committed'; streams: string[]; recordsCommitted: number }
  | { type: 'log'; origin: string; level: LogLevel; message: string }
  | { type: 'finished'; status: EndStatus; durationMs: number; error?: FailureReason };

/** Why a run failed, as the summary, the history and the `finished` event tell it. */
export interface FailureReason {
  message: string;
  /** The connector at fault, when one was. */
  connector?: string;
  /** The connector's TRACE failure type (`config_error`, `transient_error`, `system_error`). */
  failureType?: string;
  /** The connector's stdout line that broke the protocol. */
  line?: number;
}

/** One set of log levels, lower-case, for the runner's logs and the connectors' LOG messages it relays. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A level as any connector or caller writes it (`WARN`, `warning`, `Info`), in the runner's set. */
export function logLevel(level: string): LogLevel {
  const lower = level.toLowerCase();
  if (lower === 'warning') return 'warn';
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : 'info';
}
