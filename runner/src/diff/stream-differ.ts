import type { RecordOperation, SyncBehaviour } from '@backflow/protocol';
import type { RowMapper } from '../mapping/compile-mapping.js';
import { valueAt } from '@backflow/protocol/connector';
import { setAt } from '../mapping/paths.js';
import type { StreamCounts } from '../report/events.js';
import { BloomFilter } from './bloom-filter.js';
import {
  DELETE_HASH,
  fingerprintKey,
  keyId,
  legacyBytesHash,
  legacyTextHash,
  rowHash,
  sameHash,
  textHash,
  type FingerprintKey,
  type RowHash,
} from './fingerprint.js';
import { DELIVERED, GONE, REJECTED, type FingerprintSession, type Outcome, type Prior } from './fingerprint-session.js';
import { MURMUR_WORDS, murmur64, wordsHex } from './murmur-hash.js';
import { SeenKeys } from './seen-keys.js';

/** Rows classified per store round trip. */
const DIFF_BATCH = 500;
/**
 * Keys of rows already decided, noted as seen per store write, and outcomes the diff settles
 * itself per transaction: a write (an fsync, for outcomes) costs more than the rows it holds.
 */
const WRITE_BATCH = 10_000;
/** What `add` returns for a row decided later or needing nothing: one shared empty list. */
const NOTHING: readonly Decision[] = [];
const SKIP = { kind: 'skip' } as const;
const PAGE = 1000;
/** Where `unchangedPrinted` has the store put a row's hash: one array, not one per row. */
const STORED_WORDS = new Int32Array(2);

export type Change = 'added' | 'changed' | 'unchanged' | 'removed';

/** What to do with one row, decided by the diff and the stream's behaviour. */
export type Decision =
  | {
      readonly kind: 'send';
      readonly op: RecordOperation;
      readonly change: Change;
      readonly data: Record<string, unknown>;
      /** Undefined for streams without a primary key, which are not tracked. */
      readonly key: FingerprintKey | undefined;
      readonly hash: RowHash;
      readonly matchKey: string;
      /** The source's line of the row, when the row goes unmapped: it can be forwarded as printed. */
      readonly line?: string;
    }
  | {
      readonly kind: 'invalid';
      readonly key: Record<string, unknown>;
      readonly reason: string;
      readonly field?: string;
    }
  | {
      readonly kind: 'still-rejected';
      readonly key: Record<string, unknown>;
      readonly reason: string;
      readonly field?: string;
    };

export interface StreamDiffSettings {
  readonly stream: string;
  /** The store's id of the stream; undefined when the stream has no primary key (every row is sent). */
  readonly streamId: number | undefined;
  readonly behaviour: SyncBehaviour;
  /** Source column paths of the primary key. */
  readonly primaryKey: readonly string[][];
  /** Destination field paths that address a record (deletes carry them). */
  readonly matchingKeys: readonly string[][];
  readonly mapper: RowMapper | undefined;
  /** The read covers the whole model (full refresh), so rows not read were removed. */
  readonly detectRemoved: boolean;
  /** Send every row whatever its fingerprint (`--full-resync`). */
  readonly fullResync: boolean;
  /** A plan: classify only, change nothing. */
  readonly dryRun: boolean;
}

interface Queued {
  readonly row: Record<string, unknown>;
  readonly key: FingerprintKey;
  readonly line: string | undefined;
  readonly dataText: string | undefined;
}

type RowOutcome = Decision | typeof SKIP | { kind: 'still-rejected-pending'; match: Record<string, unknown> };

/**
 * Diffs one stream's rows against the fingerprints of what was delivered before: each row is
 * added, changed, unchanged (or invalid), and once the read is complete the rows not read are
 * removed. Rows are queued and classified in batches (one store lookup per batch); a key
 * already read this run is caught by a Bloom filter and checked exactly once the read ends,
 * so duplicate keys are reported, never sent twice.
 */
export class StreamDiffer {
  private queue: Queued[] = [];
  private deferredRows: string[] = [];
  private readonly seenKeys = new SeenKeys();
  private stillRejectedKeys: { key: FingerprintKey; match: Record<string, unknown> }[] = [];
  private touched: Outcome[] = [];
  private readonly bloom = new BloomFilter();
  /** Keys read this run that the store held: each is read once (repeats are set aside), so all were read when this is the store's count. */
  private storedSeen = 0;

  constructor(
    readonly settings: StreamDiffSettings,
    private readonly session: FingerprintSession | undefined,
    /** This stream's counts, updated as rows are classified. */
    readonly counts: StreamCounts,
  ) {}

  /** Rows waiting for `flush` to be decided or written (keys of rows already decided aside). */
  get queued(): number {
    return this.queue.length + this.deferredRows.length + this.touched.length + this.stillRejectedKeys.length;
  }

  /** Enough is waiting that the reader should `flush` now. */
  get due(): boolean {
    return (
      this.queue.length + this.deferredRows.length + this.stillRejectedKeys.length >= DIFF_BATCH ||
      this.seenKeys.size >= WRITE_BATCH ||
      this.touched.length >= WRITE_BATCH
    );
  }

  /**
   * The start of the stream's row text (`{"<key>":`) when an unchanged row can be recognised
   * from its text alone (`unchangedPrinted`): a primary key of one top-level field, a store
   * that answers lookups at once, no mapping, and a behaviour that sends nothing for an
   * unchanged row. Undefined otherwise: every row is parsed and goes through `add`.
   */
  get printedKeyField(): string | undefined {
    const { streamId, primaryKey, mapper, fullResync, behaviour } = this.settings;
    if (streamId === undefined || mapper || fullResync || behaviour === 'append') return undefined;
    if (primaryKey.length !== 1 || primaryKey[0]!.length !== 1 || !this.session?.deliveredHashNow) return undefined;
    return `{${JSON.stringify(primaryKey[0]![0])}:`;
  }

  /** Whether the store wants the keys of rows about to be read, `asked` keys after its last answer (see `FingerprintSession.readAhead`). */
  readsAhead(asked: number): boolean {
    return this.session?.readAheadWanted?.(asked) ?? false;
  }

  /** Has the store read ahead what it holds for these keys of the stream, about to be asked. */
  readAhead(keys: readonly number[]): void {
    this.session!.readAhead!(this.settings.streamId!, keys);
  }

  /**
   * A row known only by its integer key and its text as printed, bytes `[start, end)` of
   * `line` (a stream with a `printedKeyField`): true, and the row is counted unchanged and
   * noted as seen, when the text hashes to what the store holds for the key — the very text
   * delivered before, so the same row, which passed the stream's checks then — and nothing
   * else must happen to it (the key is not flagged gone or refused, nor already read this
   * run). False leaves the row to `add`, untouched: the caller parses it. Every row of an
   * unchanged rerun comes here: it allocates nothing.
   */
  unchangedPrinted(key: number, line: Buffer, start: number, end: number): boolean {
    const stored = STORED_WORDS;
    if (!this.session!.deliveredHashNow!(this.settings.streamId!, key, stored)) return false;
    murmur64(line, start, end);
    if (MURMUR_WORDS[0] !== stored[0] || MURMUR_WORDS[1] !== stored[1]) {
      // A store written before MurmurHash holds MD5 hashes: its unchanged rows stay this cheap.
      if (legacyBytesHash(line, start, end) !== wordsHex(stored[0]!, stored[1]!)) return false;
    }
    // Maybe read before: `add` sets the row aside for the duplicate check (the key is noted now).
    if (this.bloom.add(key)) return false;
    this.seenKeys.add(key);
    this.storedSeen++;
    this.counts.unchanged++;
    return true;
  }

  /**
   * Takes a source row, and the line it came in when that line carries nothing but the row
   * (it is then sent as is if the stream has no mapping), and the row's text within it when
   * known (it spares the unchanged rows of canonical sources their re-encoding: see
   * `hashOf`). Returns what to do with the row when that is known at once (an invalid key;
   * any row, when the store answers lookups synchronously); otherwise the row waits for the
   * next `flush`.
   */
  add(row: Record<string, unknown>, line?: string, dataText?: string): readonly Decision[] {
    if (this.settings.streamId === undefined) return [this.untracked(row, line)];
    const values = this.settings.primaryKey.map((path) => valueAt(row, path));
    const missing = values.findIndex((value) => value === null || value === undefined);
    if (missing >= 0) {
      this.counts.invalid++;
      return [
        {
          kind: 'invalid',
          key: this.keyObject(values),
          reason: `primary key ${this.settings.primaryKey[missing]!.join('.')} is null or missing`,
        },
      ];
    }
    const key = fingerprintKey(values);
    if (this.bloom.add(key)) {
      // As printed when known: its hash is what the store holds for a row delivered unmapped.
      this.deferredRows.push(dataText ?? JSON.stringify(row));
      return NOTHING;
    }
    const lookupNow = this.session!.lookupNow;
    if (!lookupNow) {
      this.queue.push({ row, key, line, dataText });
      return NOTHING;
    }
    this.seenKeys.add(key);
    const outcome = this.classifyRow(row, key, lookupNow(this.settings.streamId, key), line, dataText);
    if (outcome.kind === 'skip') return NOTHING;
    if (outcome.kind !== 'still-rejected-pending') return [outcome];
    this.stillRejectedKeys.push({ key, match: outcome.match });
    return NOTHING;
  }

  /** Classifies the queued rows and writes what the store must know of them. */
  async flush(): Promise<Decision[]> {
    const id = this.settings.streamId;
    if (id === undefined) return [];
    const batch = this.queue;
    this.queue = [];
    if (this.deferredRows.length > 0) {
      await this.session!.defer(id, this.deferredRows);
      this.deferredRows = [];
    }
    for (const { key } of batch) this.seenKeys.add(key);
    const seen = this.seenKeys.take();
    if (seen.length > 0) await this.session!.markSeen(id, seen);
    const decisions: Decision[] = [];
    if (batch.length > 0) {
      const priors = await this.session!.lookup(
        id,
        batch.map((q) => q.key),
      );
      for (const { row, key, line, dataText } of batch) {
        const outcome = this.classifyRow(row, key, priors.get(keyId(key)), line, dataText);
        if (outcome.kind === 'still-rejected-pending') this.stillRejectedKeys.push({ key, match: outcome.match });
        else if (outcome.kind !== 'skip') decisions.push(outcome);
      }
    }
    if (this.touched.length > 0 && !this.settings.dryRun) await this.session!.record(this.touched);
    this.touched = [];
    if (this.stillRejectedKeys.length > 0) {
      const pending = this.stillRejectedKeys;
      this.stillRejectedKeys = [];
      const matches = new Map(pending.map((p) => [keyId(p.key), p.match]));
      decisions.push(
        ...(await this.stillRejected(
          id,
          pending.map((p) => p.key),
          (key) => matches.get(keyId(key))!,
        )),
      );
    }
    return decisions;
  }

  /**
   * After the source finished: rows set aside as possible duplicates (reported if they are,
   * classified if not), then removed rows (deletes under `mirror`).
   */
  async *finishRead(readComplete: boolean): AsyncGenerator<Decision[]> {
    const id = this.settings.streamId;
    if (id === undefined) return;
    const first = await this.flush();
    if (first.length > 0) yield first;
    await this.session!.endRead(id);
    yield* this.resolveDeferred(id);
    if (readComplete && this.settings.detectRemoved) yield* this.removed(id);
    if (!this.settings.detectRemoved) yield* this.keptForRetry(id);
  }

  /**
   * Records of an incrementally read stream that the destination refused for now in an
   * earlier run: the read will not return them again, so they are resent as kept — unless
   * this run read a newer version of the row, which was diffed instead.
   */
  private async *keptForRetry(id: number): AsyncGenerator<Decision[]> {
    let after: FingerprintKey | undefined;
    for (;;) {
      const page = await this.session!.kept(id, after, PAGE);
      if (page.length === 0) return;
      after = page.at(-1)!.key;
      const seen = await this.session!.seen(
        id,
        page.map((r) => r.key),
      );
      const decisions: Decision[] = page
        .filter((r) => !seen.has(keyId(r.key)))
        .map((r) => ({
          kind: 'send',
          op: 'upsert',
          change: 'changed',
          data: JSON.parse(r.data) as Record<string, unknown>,
          key: r.key,
          hash: r.hash,
          matchKey: r.matchKey,
        }));
      if (decisions.length > 0) yield decisions;
    }
  }

  private async *resolveDeferred(id: number): AsyncGenerator<Decision[]> {
    let after = 0;
    for (;;) {
      const page = await this.session!.deferred(id, after, PAGE);
      if (page.length === 0) return;
      after = page.at(-1)!.seq;
      // Keys accepted from this page; those of earlier pages are marked seen by their flush.
      const accepted = new Set<string>();
      const texts = page.map(({ row }) => row);
      const rows = texts.map((text) => JSON.parse(text) as Record<string, unknown>);
      const keys = rows.map((row) => fingerprintKey(this.settings.primaryKey.map((path) => valueAt(row, path))));
      const seen = await this.session!.seen(id, keys);
      const decisions: Decision[] = [];
      const fresh: Queued[] = [];
      rows.forEach((row, i) => {
        const key = keys[i]!;
        const identity = keyId(key);
        if (seen.has(identity) || accepted.has(identity)) {
          this.counts.invalid++;
          decisions.push({
            kind: 'invalid',
            key: this.keyObject(this.settings.primaryKey.map((path) => valueAt(row, path))),
            reason:
              'duplicate primary key: an earlier row of this run has the same key (that one is synced, this one is not)',
          });
        } else {
          accepted.add(identity);
          fresh.push({ row, key, line: undefined, dataText: texts[i] });
        }
      });
      if (fresh.length > 0) {
        this.queue.push(...fresh);
        decisions.push(...(await this.flush()));
      }
      yield decisions;
    }
  }

  private async *removed(id: number): AsyncGenerator<Decision[]> {
    // Every stored key was read (most reruns): nothing to look for.
    if (!(await this.session!.unseenRemain(id, this.storedSeen))) return;
    const mirror = this.settings.behaviour === 'mirror';
    if (!mirror && !this.settings.dryRun) {
      this.counts.removed += await this.session!.retireUnseen(id, true);
      return;
    }
    let after: FingerprintKey | undefined;
    const stillRejected: FingerprintKey[] = [];
    const stillRejectedMatch = new Map<string, Record<string, unknown>>();
    for (;;) {
      const page = await this.session!.removedPage(id, after, PAGE);
      if (page.length === 0) break;
      after = page.at(-1)!.key;
      const decisions: Decision[] = [];
      for (const row of page) {
        if (!mirror) {
          if ((row.flags & GONE) === 0) this.counts.removed++;
          continue;
        }
        this.counts.removed++;
        if (row.flags & REJECTED && sameHash(row.hash, DELETE_HASH)) {
          stillRejected.push(row.key);
          stillRejectedMatch.set(keyId(row.key), this.matchKeyObject(row.matchKey));
          continue;
        }
        decisions.push({
          kind: 'send',
          op: 'delete',
          change: 'removed',
          data: this.deleteData(row.matchKey),
          key: row.key,
          hash: DELETE_HASH,
          matchKey: row.matchKey,
        });
      }
      if (decisions.length > 0) yield decisions;
    }
    if (stillRejected.length > 0) {
      yield await this.stillRejected(id, stillRejected, (key) => stillRejectedMatch.get(keyId(key))!);
    }
    if (!this.settings.dryRun) await this.session!.retireUnseen(id, false);
  }

  /** One row against what the store knows of its key. */
  private classifyRow(
    row: Record<string, unknown>,
    key: FingerprintKey,
    prior: Prior | undefined,
    line: string | undefined,
    dataText: string | undefined,
  ): RowOutcome {
    if (prior) this.storedSeen++;
    const mapped = this.settings.mapper ? this.settings.mapper.map(row) : { ok: true as const, data: row };
    if (!mapped.ok) {
      this.counts.invalid++;
      return { kind: 'invalid', key: this.keyObjectOf(row), reason: mapped.reason, field: mapped.field };
    }
    const text = this.settings.mapper ? undefined : dataText;
    const current = text !== undefined ? textHash(text) : rowHash(mapped.data);
    const hash = this.hashOf(current, prior, mapped.data, text);
    const change = changeOf(prior, hash);
    this.counts[change]++;
    if (
      prior &&
      change === 'unchanged' &&
      prior.flags & REJECTED &&
      !this.settings.fullResync &&
      this.settings.behaviour !== 'append'
    ) {
      return { kind: 'still-rejected-pending', match: this.matchKeyObject(this.matchKeyOf(mapped.data)) };
    }
    if (this.sends(change)) {
      const matchKey = this.matchKeyOf(mapped.data);
      return { kind: 'send', op: 'upsert', change, data: mapped.data, key, hash, matchKey, line: this.lineOf(line) };
    }
    // An unchanged row stored under another hash (see `hashOf`) gets the one this runner
    // computes first: its next read is cheap.
    const restamp = change === 'unchanged' && current !== hash;
    if (prior && (prior.flags & GONE || restamp)) {
      const id = this.settings.streamId!;
      this.touched.push({
        stream: id,
        key,
        op: 'upsert',
        flags: prior.flags & ~GONE,
        hash: restamp ? current : prior.hash,
        matchKey: prior.matchKey ?? this.matchKeyOf(mapped.data),
      });
    }
    return SKIP;
  }

  private async stillRejected(
    id: number,
    keys: readonly FingerprintKey[],
    keyObject: (key: FingerprintKey) => Record<string, unknown>,
  ): Promise<Decision[]> {
    const reasons = await this.session!.rejections(id, keys);
    return keys.map((key) => {
      const stored = reasons.get(keyId(key));
      return {
        kind: 'still-rejected',
        key: keyObject(key),
        reason: `unchanged since the destination refused it: ${stored?.reason ?? 'reason not kept'}`,
        ...(stored?.field !== undefined ? { field: stored.field } : {}),
      };
    });
  }

  /** Whether the behaviour sends a row of this kind. */
  private sends(change: Change): boolean {
    if (this.settings.fullResync || this.settings.behaviour === 'append') return true;
    if (this.settings.behaviour === 'insert') return change === 'added';
    return change !== 'unchanged';
  }

  private untracked(row: Record<string, unknown>, line: string | undefined): Decision {
    const mapped = this.settings.mapper ? this.settings.mapper.map(row) : { ok: true as const, data: row };
    if (!mapped.ok) {
      this.counts.invalid++;
      return { kind: 'invalid', key: {}, reason: mapped.reason, field: mapped.field };
    }
    this.counts.added++;
    return {
      kind: 'send',
      op: 'upsert',
      change: 'added',
      data: mapped.data,
      key: undefined,
      hash: DELETE_HASH,
      matchKey: '',
      line: this.lineOf(line),
    };
  }

  /**
   * The hash to diff the row by: `current` — of its text as the source printed it when known
   * (no re-encoding; a rerun then proves most rows unchanged from their text alone, see
   * `unchangedPrinted`), else of its JSON — or the stored one when that is the same row hashed
   * another way: its JSON rather than its text (a store from before text hashes, a source that
   * changed its spacing), or MD5 rather than MurmurHash (a store from before MurmurHash).
   */
  private hashOf(
    current: RowHash,
    prior: Prior | undefined,
    data: Record<string, unknown>,
    text: string | undefined,
  ): RowHash {
    if (prior === undefined || current === prior.hash) return current;
    const stored = prior.hash;
    const json = JSON.stringify(data);
    const same =
      (text !== undefined && (legacyTextHash(text) === stored || textHash(json) === stored)) ||
      legacyTextHash(json) === stored;
    return same ? stored : current;
  }

  /** A mapped row is not what the source printed: its line cannot stand for it. */
  private lineOf(line: string | undefined): string | undefined {
    return this.settings.mapper ? undefined : line;
  }

  /** The matching key values as a JSON array (one key, the common case, without making the array: once a row sent). */
  private matchKeyOf(data: Record<string, unknown>): string {
    const paths = this.settings.matchingKeys;
    if (paths.length === 1) return `[${JSON.stringify(valueAt(data, paths[0]!) ?? null)}]`;
    return JSON.stringify(paths.map((path) => valueAt(data, path) ?? null));
  }

  private matchKeyObject(matchKey: string): Record<string, unknown> {
    const values = JSON.parse(matchKey) as unknown[];
    return Object.fromEntries(this.settings.matchingKeys.map((path, i) => [path.join('.'), values[i]]));
  }

  /** A delete carries the matching key fields as last delivered. */
  private deleteData(matchKey: string): Record<string, unknown> {
    const values = JSON.parse(matchKey) as unknown[];
    const data: Record<string, unknown> = {};
    this.settings.matchingKeys.forEach((path, i) => setAt(data, path, values[i]));
    return data;
  }

  private keyObject(values: readonly unknown[]): Record<string, unknown> {
    return Object.fromEntries(this.settings.primaryKey.map((path, i) => [path.join('.'), values[i] ?? null]));
  }

  private keyObjectOf(row: Record<string, unknown>): Record<string, unknown> {
    return this.keyObject(this.settings.primaryKey.map((path) => valueAt(row, path)));
  }
}

function changeOf(prior: Prior | undefined, hash: RowHash): Change {
  if (!prior || ((prior.flags & DELIVERED) === 0 && !sameHash(prior.hash, hash))) return 'added';
  return sameHash(prior.hash, hash) ? 'unchanged' : 'changed';
}
