import type { RecordOperation } from '@backflow/protocol';
import type { FingerprintKey, RowHash } from './fingerprint.js';
import type { KeyRuns } from './seen-keys.js';

/** The destination holds a record Backflow delivered for this key. */
export const DELIVERED = 1;
/** The hash is of a version the destination refused for good (retrying cannot help). */
export const REJECTED = 2;
/** The row left the model; reported as removed once (behaviours that never delete). */
export const GONE = 4;

/** What the store knows of a row. */
export interface Prior {
  readonly hash: RowHash;
  readonly flags: number;
  /**
   * The matching key values last delivered (JSON array), for a row flagged GONE: the diff
   * writes them back when the row returns. Stores may leave it out otherwise.
   */
  readonly matchKey?: string;
}

/** A destination outcome to record: a row delivered, refused for good, or deleted. */
export interface Outcome {
  readonly stream: number;
  readonly key: FingerprintKey;
  readonly op: RecordOperation | 'reject';
  /** For `upsert`, the new flags (DELIVERED); ignored otherwise. */
  readonly flags: number;
  readonly hash: RowHash;
  readonly matchKey: string;
  /** For `reject`: why, to report while the data stays the same. */
  readonly reason?: string;
  readonly field?: string;
}

export interface RemovedRow {
  readonly key: FingerprintKey;
  readonly hash: RowHash;
  readonly flags: number;
  readonly matchKey: string;
}

/** A record refused for now whose stream is read incrementally: it will not be read again, so it is kept to resend. */
export interface KeptRecord {
  readonly key: FingerprintKey;
  readonly hash: RowHash;
  readonly matchKey: string;
  /** The record as sent (mapped), JSON. */
  readonly data: string;
}

export interface StoredRejection {
  readonly reason: string;
  readonly field?: string;
}

/**
 * What the diff needs of a connection's fingerprints during one run (the store implements
 * it: `store/`). Rows are looked up and marked seen in batches while the source is read;
 * removed rows are found by an anti-join once the read is complete. In a plan nothing but the
 * run's scratch data is written. Outcomes of a destination commit are written by the store's
 * `commit`, with the states, in one transaction.
 */
export interface FingerprintSession {
  /** The store's small integer id of a stream, created on first use. */
  streamId(stream: string): Promise<number>;
  lookup(stream: number, keys: readonly FingerprintKey[]): Promise<Map<string, Prior>>;
  /**
   * A store on the local disk answers one key at once, so rows are sent as they are read
   * (no batch held back from the destination); a remote store leaves this out and is asked
   * in batches.
   */
  readonly lookupNow?: (stream: number, key: FingerprintKey) => Prior | undefined;
  /**
   * With `lookupNow`: true when an integer key is stored as delivered and flagged nothing else,
   * its hash then in `into` as two 32-bit words (the first and last 8 hex digits of its
   * `RowHash`); false otherwise. Allocates nothing: an unchanged rerun asks it of every row.
   */
  readonly deliveredHashNow?: (stream: number, key: number, into: Int32Array) => boolean;
  /**
   * With `lookupNow`: whether the `asked` keys asked since the last call came in an order the
   * store could not read ahead by itself (a model's rows in hash-join order), so that each
   * needed a lookup of its own.
   */
  readonly readAheadWanted?: (asked: number) => boolean;
  /**
   * With `readAheadWanted`: reads what the store holds for integer keys about to be asked, in
   * one query for many keys, so that `lookupNow` and `deliveredHashNow` answer them from memory.
   */
  readonly readAhead?: (stream: number, keys: readonly number[]) => void;
  /** Reasons kept for rows refused for good. */
  rejections(stream: number, keys: readonly FingerprintKey[]): Promise<Map<string, StoredRejection>>;
  /** Notes keys read this run, given as runs (for removed-row detection and duplicate checks). */
  markSeen(stream: number, runs: KeyRuns): Promise<void>;
  /**
   * Whether the store holds rows of the stream that were there when the read started and whose
   * keys it did not mark seen, once the read is complete: if none, none was removed. The read
   * looked up `storedSeen` keys that the store held (each key once).
   */
  unseenRemain(stream: number, storedSeen: number): Promise<boolean>;
  /** The stream's read is complete: make `seen` and `removedPage` efficient. */
  endRead(stream: number): Promise<void>;
  /** Which of these keys were marked seen (after `endRead`). */
  seen(stream: number, keys: readonly FingerprintKey[]): Promise<Set<string>>;
  /** Delivered rows not seen this run, in key order after `after`. */
  removedPage(stream: number, after: FingerprintKey | undefined, limit: number): Promise<RemovedRow[]>;
  /**
   * For behaviours that never delete: flags delivered rows not seen this run as gone and
   * returns how many were not gone before. Forgets rows never delivered that left the model.
   */
  retireUnseen(stream: number, markGone: boolean): Promise<number>;
  /** Sets aside rows that may repeat a key already read (JSON), until the read is complete. */
  defer(stream: number, rows: readonly string[]): Promise<void>;
  /** Rows set aside, in the order they came, after sequence number `after`. */
  deferred(stream: number, after: number, limit: number): Promise<{ seq: number; row: string }[]>;
  /** Records outcomes the diff itself settles (a row back in the model), durably. */
  record(outcomes: readonly Outcome[]): Promise<void>;
  /** Kept records of a stream, in key order after `after`. */
  kept(stream: number, after: FingerprintKey | undefined, limit: number): Promise<KeptRecord[]>;
}
