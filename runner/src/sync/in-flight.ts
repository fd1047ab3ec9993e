import type { AirbyteMessage, RecordOperation, RejectedRecord } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import { DELETE_HASH, type FingerprintKey, type RowHash } from '../diff/fingerprint.js';
import { DELIVERED, type Outcome } from '../diff/fingerprint-session.js';

/** A record sent to the destination and not yet confirmed by a STATE echo. */
export interface SentRecord {
  readonly stream: string;
  readonly streamId: number | undefined;
  readonly key: FingerprintKey | undefined;
  readonly op: RecordOperation;
  readonly hash: RowHash;
  readonly matchKey: string;
  /** The record's data; left out when `line` carries it. */
  readonly data?: Record<string, unknown>;
  /**
   * The source's line, sent as printed. Unconfirmed records wait in memory for their echo, and
   * one string is much lighter to keep (for the garbage collector) than the object tree it
   * parses into, which is rebuilt only if the record has to be sent again or kept.
   */
  readonly line?: string;
}

/** The data of a record sent. */
export function dataOf(record: SentRecord): Record<string, unknown> {
  return record.data ?? ((JSON.parse(record.line!) as AirbyteMessage).record!.data as Record<string, unknown>);
}

/** What one echo settled. */
export interface Settled {
  /** Fingerprint changes to record: delivered rows, rows refused for good, deletions. */
  readonly outcomes: Outcome[];
  /** Records accepted, per stream. */
  readonly accepted: Map<string, number>;
  /** Records refused for good, with the destination's rejection. */
  readonly refused: { record: SentRecord; rejection: RejectedRecord }[];
  /** Records refused for now (rate limit, timeout): to send again. */
  readonly retryable: { record: SentRecord; rejection: RejectedRecord }[];
  /** Rejections that match no record sent (a destination keying them differently). */
  readonly unmatched: RejectedRecord[];
}

/**
 * The records between the runner and the destination's commit, in send order. An echo
 * confirming the first `n` records settles them: rejected ones (matched by stream and
 * matching key) are refused or to be retried, the rest delivered. Only then does a row's
 * fingerprint advance, so a crash or a rejection means it is sent again. Its size is bounded
 * by the records between checkpoints (`checkpoint_every`).
 */
export class InFlightRecords {
  private entries: SentRecord[] = [];
  private settledCount = 0;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: { below: number; wake: (settled: boolean) => void }[] = [];

  constructor(private readonly matchingKeys: (stream: string) => readonly string[][]) {}

  add(record: SentRecord): void {
    this.entries.push(record);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Resolves once every record sent so far is settled (or `release` is called). */
  idle(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Resolves true once fewer than `below` records are unconfirmed, or false after `timeoutMs`:
   * the sender waits for echoes rather than piling up records in memory, but a destination
   * that confirms only at the end of its input cannot deadlock it.
   */
  room(below: number, timeoutMs: number): Promise<boolean> {
    if (this.entries.length < below) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        below,
        wake: (settled: boolean) => {
          clearTimeout(timer);
          resolve(settled);
        },
      };
      const timer = setTimeout(() => {
        this.roomWaiters.splice(this.roomWaiters.indexOf(waiter), 1);
        resolve(false);
      }, timeoutMs);
      this.roomWaiters.push(waiter);
    });
  }

  /** Wakes waiters when no echo can come any more (the destination ended). */
  release(): void {
    for (const waiter of this.roomWaiters.splice(0)) waiter.wake(false);
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  settle(sentThrough: number, rejections: readonly RejectedRecord[]): Settled {
    const count = Math.max(0, sentThrough - this.settledCount);
    const settled = this.entries.slice(0, count);
    this.entries = this.entries.slice(count);
    this.settledCount += count;
    for (const waiter of this.roomWaiters.filter((w) => this.entries.length < w.below)) {
      this.roomWaiters.splice(this.roomWaiters.indexOf(waiter), 1);
      waiter.wake(true);
    }
    const rejectedAt = new Map<number, RejectedRecord>();
    const unmatched: RejectedRecord[] = [];
    if (rejections.length > 0) {
      const byKey = new Map<string, number[]>();
      settled.forEach((record, index) => {
        const id = `${record.stream}\u0000${record.matchKey}`;
        byKey.set(id, [...(byKey.get(id) ?? []), index]);
      });
      for (const rejection of rejections) {
        const stream = streamKey({
          name: rejection.stream,
          ...(rejection.namespace ? { namespace: rejection.namespace } : {}),
        });
        const values = this.matchingKeys(stream).map((path) => rejection.key[path.join('.')] ?? null);
        const index = byKey.get(`${stream}\u0000${JSON.stringify(values)}`)?.find((i) => !rejectedAt.has(i));
        if (index === undefined) unmatched.push(rejection);
        else rejectedAt.set(index, rejection);
      }
    }
    const result: Settled = { outcomes: [], accepted: new Map(), refused: [], retryable: [], unmatched };
    // Once per record of every commit: plain loops and literals, no spreads or closures.
    let lastStream: string | undefined;
    let accepted = 0;
    for (let index = 0; index < settled.length; index++) {
      const record = settled[index]!;
      const rejection = rejectedAt.size > 0 ? rejectedAt.get(index) : undefined;
      if (rejection?.retryable) {
        result.retryable.push({ record, rejection });
        continue;
      }
      if (rejection) result.refused.push({ record, rejection });
      else {
        if (record.stream !== lastStream) {
          if (lastStream !== undefined) addTo(result.accepted, lastStream, accepted);
          lastStream = record.stream;
          accepted = 0;
        }
        accepted++;
      }
      if (record.streamId === undefined || record.key === undefined) continue;
      if (rejection) {
        result.outcomes.push({
          stream: record.streamId,
          key: record.key,
          matchKey: record.matchKey,
          op: 'reject',
          flags: 0,
          hash: record.op === 'delete' ? DELETE_HASH : record.hash,
          reason: rejection.reason,
          ...(rejection.field !== undefined ? { field: rejection.field } : {}),
        });
      } else {
        result.outcomes.push({
          stream: record.streamId,
          key: record.key,
          matchKey: record.matchKey,
          op: record.op,
          flags: DELIVERED,
          hash: record.hash,
        });
      }
    }
    if (lastStream !== undefined) addTo(result.accepted, lastStream, accepted);
    if (this.entries.length === 0) this.release();
    return result;
  }
}

function addTo(counts: Map<string, number>, stream: string, count: number): void {
  counts.set(stream, (counts.get(stream) ?? 0) + count);
}
