import type { RejectedRecord } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import type { StreamCounts } from '../report/events.js';
import type { Reporter } from '../report/reporter.js';
import type { RunRow } from '../store/types.js';
import type { CheckpointWriter, CommitParts } from './checkpoint-writer.js';
import { dataOf, type SentRecord, type Settled } from './in-flight.js';
import type { Commit } from './state-ledger.js';

/** Rejections and invalid rows kept in memory per run for the summary; the counts are always exact. */
const MAX_KEPT_ROWS = 10_000;

export interface RetrySettings {
  readonly rounds: number;
  readonly backoffMs: number;
  readonly maxRows: number;
}

/**
 * The committing side of a sync: what each destination commit settled is counted (committed,
 * rejected), records refused for now are queued to resend within the run (or kept for the
 * next one), and the commit — source states, fingerprints, kept records, undelivered rows,
 * counts — is written through the checkpoint writer in one store transaction.
 */
export class CommitSettler {
  readonly rejections: RejectedRecord[] = [];
  readonly invalid: RunRow[] = [];
  committedStates = 0;
  private retryQueue: SentRecord[] = [];
  private readonly lastRejection = new Map<SentRecord, RejectedRecord>();
  private unmatchedWarned = false;

  constructor(
    private readonly writer: CheckpointWriter,
    private readonly counts: ReadonlyMap<string, StreamCounts>,
    private readonly retries: RetrySettings,
    /** Whether a stream is read incrementally: its refused records are kept to resend next run. */
    private readonly readsIncrementally: (stream: string) => boolean,
    private readonly reporter: Reporter,
  ) {}

  /** Applies one destination commit and makes it durable. */
  async apply(commit: Commit, settled: Settled): Promise<void> {
    for (const [stream, count] of settled.accepted) this.counts.get(stream)!.committed += count;
    for (const { record, rejection } of settled.refused) this.refuse(record.stream, rejection);
    const notRetried: SentRecord[] = [];
    for (const { record, rejection } of settled.retryable) {
      if (this.retryQueue.length < this.retries.maxRows && this.retries.rounds > 0) {
        this.lastRejection.delete(record);
        this.lastRejection.set(record, rejection);
        this.retryQueue.push(record);
      } else {
        this.refuse(record.stream, rejection);
        notRetried.push(record);
      }
    }
    for (const rejection of settled.unmatched) this.unmatched(rejection);
    await this.writer.commit({
      states: commit.sourceStates.map((state) => scrubState(state, this.reporter)),
      outcomes: settled.outcomes,
      kept: this.keptForNextRun(notRetried),
    });
    this.committedStates += commit.sourceStates.length;
    this.reporter.emit({
      type: 'committed',
      streams: [...commit.records.keys()],
      recordsCommitted: sum(commit.records),
    });
  }

  /** A row not sent because it is invalid. */
  invalidRow(row: RunRow): void {
    this.writer.undelivered(row);
    if (this.invalid.length < MAX_KEPT_ROWS) this.invalid.push(row);
  }

  /** A record the destination refused (now, or in an earlier run with the same data). */
  refuse(stream: string, rejection: RejectedRecord): void {
    this.counts.get(stream)!.rejected++;
    if (this.rejections.length < MAX_KEPT_ROWS) this.rejections.push(rejection);
    this.writer.undelivered({
      stream,
      kind: 'rejected',
      key: rejection.key,
      reason: rejection.reason,
      retryable: rejection.retryable,
      ...(rejection.field !== undefined ? { field: rejection.field } : {}),
    });
  }

  /** Records refused for now, to resend in this run; the queue is emptied. */
  takeRetries(): SentRecord[] {
    return this.retryQueue.splice(0);
  }

  /** Puts back records that could not be resent. */
  putBack(records: readonly SentRecord[]): void {
    this.retryQueue.push(...records);
  }

  /**
   * The run is over: records still refused for now are reported, and sent again next run —
   * by the diff for full-refresh streams, from the store for incremental ones. Waits for
   * every write.
   */
  async finish(): Promise<void> {
    const leftovers = this.takeRetries();
    for (const record of leftovers) this.refuse(record.stream, this.lastRejection.get(record)!);
    await this.writer.commit({ kept: this.keptForNextRun(leftovers) });
    await this.writer.flush();
  }

  private unmatched(rejection: RejectedRecord): void {
    const stream = streamKey({
      name: rejection.stream,
      ...(rejection.namespace ? { namespace: rejection.namespace } : {}),
    });
    if (this.counts.has(stream)) this.refuse(stream, rejection);
    if (!this.unmatchedWarned) {
      this.unmatchedWarned = true;
      this.reporter.log(
        'runner',
        'WARN',
        `the destination rejected a record whose key matches none sent (${JSON.stringify(rejection.key)})`,
      );
    }
  }

  /** Records refused for now on incrementally read streams, kept to resend next run. */
  private keptForNextRun(records: readonly SentRecord[]): CommitParts['kept'] {
    const byStream = new Map<number, SentRecord[]>();
    for (const record of records) {
      if (
        record.op !== 'upsert' ||
        record.streamId === undefined ||
        record.key === undefined ||
        !this.readsIncrementally(record.stream)
      )
        continue;
      byStream.set(record.streamId, [...(byStream.get(record.streamId) ?? []), record]);
    }
    return [...byStream].map(([stream, kept]) => ({
      stream,
      records: kept.map((r) => ({ key: r.key!, hash: r.hash, matchKey: r.matchKey, data: JSON.stringify(dataOf(r)) })),
    }));
  }
}

/** States are persisted; a connector that put a secret in one must not get it written to disk. */
function scrubState<T>(state: T, reporter: Reporter): T {
  const text = JSON.stringify(state);
  const scrubbed = reporter.scrub(text);
  if (scrubbed === text) return state;
  reporter.log('runner', 'WARN', 'a committed state contained a secret value; it was redacted before being stored');
  return JSON.parse(scrubbed) as T;
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const value of map.values()) total += value;
  return total;
}
