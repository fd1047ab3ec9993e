import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { BulkInsert } from './bulk-insert.js';
import { keyId, type FingerprintKey } from '../../diff/fingerprint.js';
import type { KeyRuns } from '../../diff/seen-keys.js';
import {
  DELIVERED,
  GONE,
  REJECTED,
  type FingerprintSession,
  type KeptRecord,
  type Outcome,
  type Prior,
  type RemovedRow,
  type StoredRejection,
} from '../../diff/fingerprint-session.js';

/** Keys per lookup statement, the largest of its sizes (powers of two). */
const LOOKUP_BATCH = 512;
const OPS = { upsert: 0, reject: 1, delete: 2 } as const;
/** A stored hash as `RowHash` reads it. */
const HASH = 'lower(hex(r))';
/**
 * Rows read ahead per range lookup of integer keys: enough that the statement's own cost is
 * small beside its rows', few enough that a window is a few dozen KB.
 */
const WINDOW = 4096;
/**
 * A row's hash is kept as 8 bytes and handled as 16 hex digits (`RowHash`). The matching key
 * is read only for a row marked gone: the one case where the diff writes back what was
 * delivered, and reading it for every row cost a string per row.
 */
const PRIOR = `${HASH}, f, case when f & ${GONE} then v end`;
/**
 * Stored rows per range of keys seen below which `unseenRemain` counts the table rather than
 * looking after each range: a look is two index seeks, a row counted a fraction of one.
 */
const RANGE_PROBE_ROWS = 64;
/**
 * Log rows merged per transaction when the log is mostly in key order: each is a short stall of the
 * event loop (progress, signals, the lock's heartbeat go on between them) however long the log.
 */
const MERGE_CHUNK = 50_000;
/** Drops in the order of a log's keys past which merging it in chunks would rewrite pages many times. */
const MAX_LOG_DROPS = 16;

/**
 * The fingerprints of the embedded store, in the connection's SQLite file. Rows are `(stream,
 * key, hash, flags, matching key)` in a WITHOUT ROWID table, about 30–60 bytes a key.
 * Confirmed outcomes are appended to a log (sequential writes, durable at each commit) and
 * merged into the table in key order when the run ends, or when the next run opens the file
 * after a crash: applying them one by one would rewrite random pages at every commit. Rows of
 * new integer keys above every key the table held, in increasing order (a first run, rows
 * added at the end of a table), go straight into the table instead while the run has logged
 * nothing: they are appended at its end, and the run's end has nothing to merge. Keys
 * read in a run go to an append-only scratch table in SQLite's temporary file, indexed once
 * the read is complete, which turns removed-row detection into one anti-join.
 */
export class SqliteFingerprints implements FingerprintSession {
  private readonly lookups = new Map<number, Database.Statement>();
  private readonly scratchTables = new Map<number, { seen: BulkInsert; deferred: BulkInsert; names: Scratch }>();
  private readonly lookupOne: Database.Statement;
  private readonly lookupOneHash: Database.Statement;
  private readonly lookupRange: Database.Statement;
  private readonly lookupDense: Database.Statement;
  private readonly insertLog: BulkInsert;
  private readonly appendRows: BulkInsert;
  /** Outcomes are in the log, waiting for `mergeLog`: later ones must follow them there. */
  private logged: boolean;
  /** Per stream, its highest integer key when the run first appended to it: rows above it were appended in this run. */
  private readonly heldThrough = new Map<number, number>();
  /** Per stream, the highest integer key appended in this run. */
  private readonly appendedThrough = new Map<number, number>();
  private readonly upsertReason: Database.Statement;
  private readonly forgetKept: Database.Statement;
  /** Whether any record is kept for resending: most runs have none, and skip the deletes. */
  private anyKept: boolean;
  /**
   * The log holds no deletes and, per stream, integer keys in increasing order of `seq` but for
   * a few drops (a table read in key order, or from its middle round to its start, as Postgres
   * does when another scan of the table is under way): merged by ranges of `seq`, each chunk
   * writes a few stretches of the table. Unknown for a log left by an earlier process: false
   * until merged.
   */
  private logChunkable: boolean;
  /** The last key logged per stream, and how often a key was not above it, since the last merge. */
  private readonly lastLogged = new Map<number, number>();
  private logDrops = 0;
  /** Per stream, the ranges of keys `markSeen` noted in this run. */
  private readonly rangesSeen = new Map<number, number>();

  constructor(
    private readonly db: Database.Database,
    private readonly mode: 'sync' | 'plan',
  ) {
    this.lookupOne = db.prepare(`select ${PRIOR} from fingerprints where stream = ? and k = ?`).raw();
    this.lookupOneHash = db.prepare('select r, f from fingerprints where stream = ? and k = ?').raw();
    // One row per window, its columns concatenated in key order: a row of the result costs more
    // than the bytes in it, and an ordered aggregate would sort again. Hashes are 8 bytes each:
    // concatenated as text (a blob becomes text byte for byte in a UTF-8 file) and cast back, one
    // blob of them all, where hex digits cost SQLite and the runner a conversion per row. Flags
    // are below 10 (one digit each).
    const window = `select k, r, f from fingerprints
                    where stream = ? and k >= ? and k <= ${Number.MAX_SAFE_INTEGER} order by k limit ${WINDOW}`;
    const hashesAndFlags = `cast(group_concat(r, '') as blob), group_concat(f, ''), count(*)`;
    this.lookupRange = db.prepare(`select ${hashesAndFlags}, min(k), max(k), group_concat(k) from (${window})`).raw();
    // The next `WINDOW` keys when they are all there and all delivered, as in most tables: a
    // range of keys, which SQLite reads without the subquery and its limit, and whose count alone
    // tells it is whole; how many are flagged otherwise instead of their flags.
    this.lookupDense = db
      .prepare(
        `select cast(group_concat(r, '') as blob), count(*), sum(f != ${DELIVERED})
         from fingerprints where stream = ? and k >= ? and k < ? + ${WINDOW}`,
      )
      .raw();
    this.insertLog = new BulkInsert(
      db,
      'insert into outcome_log (stream, k, op, r, f, v)',
      '(?, ?, ?, unhex(?), ?, ?)',
    );
    this.appendRows = new BulkInsert(db, 'insert into fingerprints (stream, k, r, f, v)', '(?, ?, unhex(?), ?, ?)');
    this.upsertReason = db.prepare('insert or replace into rejections (stream, k, reason, field) values (?, ?, ?, ?)');
    this.forgetKept = db.prepare('delete from kept where stream = ? and k = ?');
    this.anyKept = db.prepare('select 1 from kept limit 1').get() !== undefined;
    this.logged = db.prepare('select 1 from outcome_log limit 1').get() !== undefined;
    this.logChunkable = !this.logged;
  }

  async streamId(stream: string): Promise<number> {
    this.db.prepare('insert or ignore into streams (name) values (?)').run(stream);
    const { id } = this.db.prepare('select id from streams where name = ?').get(stream) as { id: number };
    return id;
  }

  readonly lookupNow = (stream: number, key: FingerprintKey): Prior | undefined => {
    const at = typeof key === 'number' ? this.locate(stream, key) : UNKNOWN;
    if (at === ABSENT) return undefined;
    if (at >= 0) {
      const window = this.window;
      const flags = window.flagsAt(at);
      // Only a row marked gone needs its matching key: read it alone.
      if ((flags & GONE) === 0) return { hash: window.hashes.toString('hex', at * 8, at * 8 + 8), flags };
    }
    const ahead = this.aheadRow(stream, key);
    if (ahead === null) return undefined;
    const row = ahead ?? (this.lookupOne.get(stream, key) as PriorRow | undefined);
    return row && prior(row[0], row[1], row[2]);
  };

  readonly deliveredHashNow = (stream: number, key: number, into: Int32Array): boolean => {
    const at = this.locate(stream, key);
    if (at === ABSENT) return false;
    if (at >= 0) {
      const window = this.window;
      if (window.flagsAt(at) !== DELIVERED) return false;
      into[0] = window.words.getInt32(at * 8);
      into[1] = window.words.getInt32(at * 8 + 4);
      return true;
    }
    const ahead = this.aheadRow(stream, key);
    if (ahead !== undefined) {
      if (ahead === null || ahead[1] !== DELIVERED) return false;
      into[0] = parseInt(ahead[0].slice(0, 8), 16) | 0;
      into[1] = parseInt(ahead[0].slice(8, 16), 16) | 0;
      return true;
    }
    const row = this.lookupOneHash.get(stream, key) as [Buffer, number] | undefined;
    if (row === undefined || row[1] !== DELIVERED) return false;
    into[0] = row[0].readInt32BE(0);
    into[1] = row[0].readInt32BE(4);
    return true;
  };

  /**
   * Integer keys usually arrive in key order (a table read in insertion order), so one range
   * read answers the next few thousand lookups — including "not there" for keys in the range.
   * The window is dropped for point lookups when keys turn out to come in no useful order.
   */
  private window = new Window();

  /**
   * Keys in no useful order (a model's rows in the order of a hash join) are read ahead a batch
   * at a time instead (`readAhead`): one query for a few hundred keys costs about half what as
   * many point lookups do. Per key asked: its prior row, or null when the table holds none.
   */
  private readonly ahead = new Map<number, PriorRow | null>();
  private aheadStream = -1;
  /** Lookups the window could not answer since the last `readAheadWanted`. */
  private unlocated = 0;

  readonly readAheadWanted = (asked: number): boolean => {
    // A key is asked once or twice (its delivered hash, then its whole prior): wanted once the
    // window failed about half the keys, and kept while it does.
    const wanted = this.unlocated * 2 >= asked && asked > 0;
    this.unlocated = 0;
    return wanted;
  };

  readonly readAhead = (stream: number, keys: readonly number[]): void => {
    this.ahead.clear();
    this.aheadStream = stream;
    for (const key of keys) this.ahead.set(key, null);
    this.eachStored(stream, keys, (key, row) => this.ahead.set(key, row));
  };

  /** What `readAhead` read for the key: its row, null when there is none, undefined when not read ahead. */
  private aheadRow(stream: number, key: FingerprintKey): PriorRow | null | undefined {
    return stream === this.aheadStream && typeof key === 'number' ? this.ahead.get(key) : undefined;
  }

  /** Forgets what lookups read ahead, once the table changed under it. */
  private dropLookahead(): void {
    this.window.stream = -1;
    this.ahead.clear();
  }

  /** Where the window holds an integer key (filled around it if need be), `ABSENT`, or `UNKNOWN`: a point lookup must tell. */
  private locate(stream: number, key: number): number {
    const window = this.window;
    if (!window.useful) return this.unlocatedKey();
    if (window.stream !== stream) this.fillWindow(stream, key);
    else if (key >= window.low && key <= window.high) window.hit(key);
    // Outside the window: the read has passed it, or most often a row the table moved (Postgres
    // writes an updated row where there is room, often far from its neighbours), answered alone
    // rather than by reading a window there and back, unless the read goes on ascending from it
    // (a scan that began mid-table).
    else if ((key > window.high && window.passed()) || window.missed(key)) this.fillWindow(stream, key);
    else return this.unlocatedKey();
    return window.useful ? window.indexOf(key) : this.unlocatedKey();
  }

  /** Counts a key the window could not answer (see `readAheadWanted`): `UNKNOWN`. */
  private unlocatedKey(): number {
    this.unlocated++;
    return UNKNOWN;
  }

  private fillWindow(stream: number, key: number): void {
    const window = this.window;
    window.stream = stream;
    window.missRun = 0;
    window.lastHit = key;
    window.low = key;
    window.at = 0;
    // Once a window of this run has shown the concatenations in key order (see below), a run of
    // `WINDOW` keys with no gap is read as a range, its positions found by subtraction.
    if (window.ordered && window.dense) {
      const [hashes, count, flagged] = this.lookupDense.get(stream, key, key) as DenseRow;
      if (count === WINDOW && flagged === 0) {
        window.fill(hashes, undefined, count);
        window.keys = undefined;
        window.first = key;
        window.high = key + WINDOW - 1;
        window.gap = 1;
        return this.filled();
      }
      window.dense = false;
    }
    const [hashes, flags, count, first, last, keys] = this.lookupRange.get(stream, key) as WindowRow;
    if (!window.fill(hashes, flags, count)) return this.filled();
    window.first = first ?? 0;
    window.high = count < WINDOW ? Infinity : last!;
    window.gap = count > 1 ? (last! - first!) / (count - 1) : 1;
    window.dense = count === WINDOW && last! - first! + 1 === count;
    if (window.ordered && last! - first! + 1 === count) {
      window.keys = undefined;
    } else {
      window.keys = keys === null ? [] : keys.split(',').map(Number);
      // The concatenations follow the subquery's order in practice, which SQLite does not
      // promise: were it ever otherwise, point lookups answer instead.
      if (!window.keys.every((k, i, all) => i === 0 || all[i - 1]! < k)) window.useful = false;
      else window.ordered ||= count > 1;
    }
    this.filled();
  }

  /** Drops the window for point lookups when too few lookups fell in the windows filled. */
  private filled(): void {
    const window = this.window;
    window.fills++;
    if (window.fills % 256 === 0 && window.useful) {
      window.useful = window.hits >= window.fills * 8;
      window.hits = 0;
      window.fills = 0;
    }
  }

  async lookup(stream: number, keys: readonly FingerprintKey[]): Promise<Map<string, Prior>> {
    const found = new Map<string, Prior>();
    this.eachStored(stream, keys, (k, [r, f, v]) => found.set(keyId(k), prior(r, f, v)));
    return found;
  }

  /** Calls `visit` with the key and prior row of each of `keys` the stream holds, a few hundred keys a query. */
  private eachStored<K extends FingerprintKey>(
    stream: number,
    keys: readonly K[],
    visit: (key: K, row: PriorRow) => void,
  ): void {
    for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
      const batch = keys.slice(i, i + LOOKUP_BATCH);
      // Padded with its last key to a power of two: batches of every length would each prepare
      // (and keep) a statement of their own.
      const size = Math.max(64, 2 ** Math.ceil(Math.log2(batch.length)));
      while (batch.length < size) batch.push(batch[batch.length - 1]!);
      const rows = this.lookupStatement(size).all(stream, ...batch) as [K, ...PriorRow][];
      for (const [k, r, f, v] of rows) visit(k, [r, f, v]);
    }
  }

  async rejections(stream: number, keys: readonly FingerprintKey[]): Promise<Map<string, StoredRejection>> {
    const get = this.db.prepare('select reason, field from rejections where stream = ? and k = ?');
    const found = new Map<string, StoredRejection>();
    for (const key of keys) {
      const row = get.get(stream, key) as { reason: string; field: string | null } | undefined;
      if (row) found.set(keyId(key), { reason: row.reason, ...(row.field !== null ? { field: row.field } : {}) });
    }
    return found;
  }

  /** Each run of keys is one row `[lo, hi]` (a rerun of a table with few gaps: a handful). */
  async markSeen(stream: number, runs: KeyRuns): Promise<void> {
    const { seen } = this.scratch(stream);
    this.db.transaction(() => seen.run(runs))();
    this.rangesSeen.set(stream, (this.rangesSeen.get(stream) ?? 0) + runs.length / 2);
  }

  /**
   * Few ranges of keys seen (a table read in key order): whether a stored key lies outside them,
   * found by looking only at the first key after each range. Many: whether the table holds more
   * rows than the read saw, counted (the whole table).
   */
  async unseenRemain(stream: number, storedSeen: number): Promise<boolean> {
    if ((this.rangesSeen.get(stream) ?? 0) * RANGE_PROBE_ROWS <= storedSeen) return this.keyOutsideRanges(stream);
    return this.count(stream) !== storedSeen;
  }

  /**
   * Whether a stored key is in no range of keys seen. If one is, so is the first stored key, or
   * the first after some range: the first key after the last range ending below it is in no
   * range either (ranges never overlap). One index seek per range, where a count reads the table.
   */
  private keyOutsideRanges(stream: number): boolean {
    const table = this.seenIndexed(stream);
    const first = 'select k from fingerprints where stream = @stream';
    const candidates = `select (${first} order by k limit 1) k
                        union all
                        select (${first} and k > s.hi order by k limit 1) from temp.${table} s`;
    const holder = `select s.hi from temp.${table} s where s.lo <= c.k order by s.lo desc limit 1`;
    return (
      this.db
        .prepare(
          `select 1 from (${candidates}) c where c.k is not null and coalesce((${holder}), ${-(2 ** 53)}) < c.k limit 1`,
        )
        .get({ stream }) !== undefined
    );
  }

  /** Rows appended in this run (`appends`) are not counted: they were not there when the read started. */
  private count(stream: number): number {
    const held = this.heldThrough.get(stream);
    if (held === undefined) {
      return this.db.prepare('select count(*) from fingerprints where stream = ?').pluck().get(stream) as number;
    }
    // Two ranges of the key, each counted from the index (a first run's: none).
    return this.db
      .prepare(
        `select (select count(*) from fingerprints where stream = @stream and k <= @held)
              + (select count(*) from fingerprints where stream = @stream and k > ${Number.MAX_SAFE_INTEGER})`,
      )
      .pluck()
      .get({ stream, held }) as number;
  }

  /** Nothing yet: the first query that needs the keys seen indexes them (`seenIndexed`), and a plain rerun has none. */
  async endRead(): Promise<void> {
    return undefined;
  }

  async seen(stream: number, keys: readonly FingerprintKey[]): Promise<Set<string>> {
    const table = this.seenIndexed(stream);
    const get = this.db.prepare(
      `select 1 from (select hi from temp.${table} where lo <= @key order by lo desc limit 1) where hi >= @key`,
    );
    return new Set(keys.filter((key) => get.get({ key }) !== undefined).map(keyId));
  }

  async defer(stream: number, rows: readonly string[]): Promise<void> {
    const { deferred } = this.scratch(stream);
    this.db.transaction(() => deferred.run(rows))();
  }

  async deferred(stream: number, after: number, limit: number): Promise<{ seq: number; row: string }[]> {
    return this.db
      .prepare(`select seq, row from temp.${this.scratch(stream).names.deferred} where seq > ? order by seq limit ?`)
      .all(after, limit) as { seq: number; row: string }[];
  }

  async removedPage(stream: number, after: FingerprintKey | undefined, limit: number): Promise<RemovedRow[]> {
    const table = this.seenIndexed(stream);
    const unseen = `f & ${DELIVERED} and ${unseenIn(table)}`;
    const rows = (
      after === undefined
        ? this.db
            .prepare(`select k, ${HASH} r, f, v from fingerprints where stream = ? and ${unseen} order by k limit ?`)
            .all(stream, limit)
        : this.db
            .prepare(
              `select k, ${HASH} r, f, v from fingerprints where stream = ? and k > ? and ${unseen} order by k limit ?`,
            )
            .all(stream, after, limit)
    ) as { k: FingerprintKey; r: string; f: number; v: string }[];
    return rows.map((row) => ({ key: row.k, hash: row.r, flags: row.f, matchKey: row.v }));
  }

  async retireUnseen(stream: number, markGone: boolean): Promise<number> {
    this.writable();
    this.dropLookahead();
    const table = this.seenIndexed(stream);
    const unseen = unseenIn(table);
    this.db.prepare(`delete from fingerprints where stream = ? and f & ${DELIVERED} = 0 and ${unseen}`).run(stream);
    if (!markGone) return 0;
    return this.db
      .prepare(
        `update fingerprints set f = f | ${GONE} where stream = ? and f & ${DELIVERED | GONE} = ${DELIVERED} and ${unseen}`,
      )
      .run(stream).changes;
  }

  async record(outcomes: readonly Outcome[]): Promise<void> {
    this.writable();
    this.db.transaction(() => this.writeOutcomes(outcomes))();
  }

  /**
   * Logs outcomes, or appends them to the table when it can (`appends`); a delivered row is no
   * longer kept for resending. Call inside a transaction.
   */
  writeOutcomes(outcomes: readonly Outcome[]): void {
    this.writable();
    if (this.appends(outcomes)) return;
    this.logged = true;
    const values: unknown[] = [];
    for (const o of outcomes) {
      if (this.logChunkable) this.noteLogged(o);
      const flags = o.op === 'reject' ? REJECTED : o.flags;
      values.push(o.stream, o.key, OPS[o.op], o.hash, flags, o.matchKey);
      if (o.op === 'reject') this.upsertReason.run(o.stream, o.key, o.reason ?? '', o.field ?? null);
      else if (this.anyKept) this.forgetKept.run(o.stream, o.key);
    }
    this.insertLog.run(values);
  }

  /**
   * Writes outcomes straight into the table when each is a delivery of an integer key above
   * every key of its stream there, in increasing order, and nothing is logged: true then.
   * Their keys are not in the table, which a window of lookups may have seen: it is dropped.
   */
  private appends(outcomes: readonly Outcome[]): boolean {
    if (this.logged || this.anyKept || outcomes.length === 0) return false;
    const through = new Map<number, number>();
    for (const { stream, key, op } of outcomes) {
      const last = through.get(stream) ?? this.appendedThrough.get(stream) ?? this.highestKey(stream);
      if (op !== 'upsert' || typeof key !== 'number' || key <= last) return false;
      through.set(stream, key);
    }
    const values: unknown[] = [];
    for (const o of outcomes) values.push(o.stream, o.key, o.hash, o.flags, o.matchKey);
    this.appendRows.run(values);
    // Raised before the transaction commits: were it rolled back, later keys are only logged.
    for (const [stream, key] of through) this.appendedThrough.set(stream, key);
    this.dropLookahead();
    return true;
  }

  /** The stream's highest integer key in the table, noted the first time (see `heldThrough`). */
  private highestKey(stream: number): number {
    let held = this.heldThrough.get(stream);
    if (held === undefined) {
      const max = this.db
        .prepare(`select max(k) from fingerprints where stream = ? and k <= ${Number.MAX_SAFE_INTEGER}`)
        .pluck()
        .get(stream) as number | null;
      held = max ?? -(2 ** 53);
      this.heldThrough.set(stream, held);
    }
    return held;
  }

  /** Keeps records refused for now (replacing a kept version of the same key). Call inside a transaction. */
  writeKept(stream: number, records: readonly KeptRecord[]): void {
    this.writable();
    const insert = this.db.prepare('insert or replace into kept (stream, k, r, v, data) values (?, ?, unhex(?), ?, ?)');
    for (const r of records) insert.run(stream, r.key, r.hash, r.matchKey, r.data);
    this.anyKept ||= records.length > 0;
  }

  async kept(stream: number, after: FingerprintKey | undefined, limit: number): Promise<KeptRecord[]> {
    const rows = (
      after === undefined
        ? this.db
            .prepare(`select k, ${HASH} r, v, data from kept where stream = ? order by k limit ?`)
            .all(stream, limit)
        : this.db
            .prepare(`select k, ${HASH} r, v, data from kept where stream = ? and k > ? order by k limit ?`)
            .all(stream, after, limit)
    ) as { k: FingerprintKey; r: string; v: string; data: string }[];
    return rows.map((row) => ({ key: row.k, hash: row.r, matchKey: row.v, data: row.data }));
  }

  private noteLogged(outcome: Outcome): void {
    const { stream, key } = outcome;
    if (outcome.op === 'delete' || typeof key !== 'number') {
      this.logChunkable = false;
      return;
    }
    const last = this.lastLogged.get(stream);
    if (last !== undefined && key <= last && ++this.logDrops > MAX_LOG_DROPS) this.logChunkable = false;
    this.lastLogged.set(stream, key);
  }

  /**
   * Applies the outcome log in key order (each page of the table written once), later
   * outcomes of a key after earlier ones. A refusal keeps what was delivered before it. A log
   * mostly in key order (`logChunkable`) is applied a chunk at a time, in order of `seq`; any
   * other, in one statement (a delete applies after every upsert of its key).
   */
  async mergeLog(): Promise<void> {
    this.dropLookahead();
    const first = this.db.prepare('select min(seq) from outcome_log').pluck();
    let low = first.get() as number | null;
    while (low !== null && this.logChunkable) {
      const below = low + MERGE_CHUNK;
      this.db.transaction(() => this.mergeLogRows(`seq < ${below}`))();
      await nextTurn();
      low = first.get() as number | null;
    }
    this.db.transaction(() => {
      this.mergeLogRows('true');
      this.db.exec(`
        delete from rejections where not exists
          (select 1 from fingerprints f where f.stream = rejections.stream and f.k = rejections.k and f.f & ${REJECTED});`);
    })();
    this.logged = false;
    this.logChunkable = true;
    this.lastLogged.clear();
    this.logDrops = 0;
    this.db.pragma('incremental_vacuum');
  }

  /** Merges the log rows `where` selects, then forgets them. Call inside a transaction. */
  private mergeLogRows(where: string): void {
    this.db.exec(`
      insert into fingerprints (stream, k, r, f, v)
        select stream, k, r, f, v from outcome_log where op != ${OPS.delete} and ${where} order by stream, k, seq
        on conflict (stream, k) do update set
          r = excluded.r,
          f = case when excluded.f & ${REJECTED} then (fingerprints.f & ${DELIVERED}) | ${REJECTED} else excluded.f end,
          v = case when excluded.f & ${REJECTED} and fingerprints.f & ${DELIVERED} then fingerprints.v else excluded.v end;
      delete from fingerprints where (stream, k) in (select stream, k from outcome_log where op = ${OPS.delete} and ${where});
      delete from outcome_log where ${where};`);
  }

  private lookupStatement(size: number): Database.Statement {
    let statement = this.lookups.get(size);
    if (!statement) {
      statement = this.db
        .prepare(
          `select k, ${PRIOR} from fingerprints where stream = ? and k in (${Array.from({ length: size }, () => '?').join(', ')})`,
        )
        .raw();
      this.lookups.set(size, statement);
    }
    return statement;
  }

  /** The stream's table of keys seen, indexed once the read is complete (appends are cheaper unindexed). */
  private seenIndexed(stream: number): string {
    const table = this.scratch(stream).names.seen;
    this.db.exec(`create index if not exists temp.${table}_lo on ${table} (lo, hi)`);
    return table;
  }

  /** The run's scratch tables of a stream, in SQLite's temporary file (gone on close). */
  private scratch(stream: number): { seen: BulkInsert; deferred: BulkInsert; names: Scratch } {
    let tables = this.scratchTables.get(stream);
    if (!tables) {
      const names = { seen: `seen_${stream}`, deferred: `deferred_${stream}` };
      this.db.exec(`
        drop table if exists temp.${names.seen};
        drop table if exists temp.${names.deferred};
        create temp table ${names.seen} (lo blob not null, hi blob not null);
        create temp table ${names.deferred} (seq integer primary key, row text not null);`);
      tables = {
        seen: new BulkInsert(this.db, `insert into temp.${names.seen} (lo, hi)`, '(?, ?)'),
        deferred: new BulkInsert(this.db, `insert into temp.${names.deferred} (row)`, '(?)'),
        names,
      };
      this.scratchTables.set(stream, tables);
    }
    return tables;
  }

  private writable(): void {
    if (this.mode !== 'sync') throw new Error('a plan must not change fingerprints');
  }
}

const ZERO = 0x30;
/** `Window.indexOf` of a key that is not stored. */
const ABSENT = -1;
/** Not an index: the key was not looked for in a window. */
const UNKNOWN = -2;
/**
 * Ascending keys asked outside the window before it moves to them: a few point lookups (a few
 * µs each) cost less than reading a window there and back (0.3–1.5 ms each).
 */
const MISS_RUN_TO_MOVE = 8;

/** A window as `lookupRange` selects it: hashes, flags, count, lowest, highest and all keys. */
type WindowRow = [Buffer | null, string | null, number, number | null, number | null, string | null];
/** A window as `lookupDense` selects it: hashes, count, and how many keys are flagged other than delivered. */
type DenseRow = [Buffer | null, number, number | null];

/**
 * A condition on a row of `fingerprints`: its key is in no range of the keys-seen table. Ranges
 * never overlap (a key is noted once), so the one starting last at or below the key is the only
 * one that can hold it; below every key, `-2^53` stands for none (integers sort before blobs).
 */
function unseenIn(table: string): string {
  const holder = `select s.hi from temp.${table} s where s.lo <= fingerprints.k order by s.lo desc limit 1`;
  return `coalesce((${holder}), ${-(2 ** 53)}) < fingerprints.k`;
}

/** Integer keys of a stream from `low` to `high` as the store holds them, with their hashes and flags. */
class Window {
  stream = -1;
  low = 1;
  high = 0;
  /** In key order; undefined when they are `first` to `first + size - 1`. */
  keys: number[] | undefined = [];
  first = 0;
  size = 0;
  /** A window of this run had its keys in the order of its hashes and flags (see `fillWindow`). */
  ordered = false;
  /** The last window held `WINDOW` keys without a gap: the next one is tried as a range of keys. */
  dense = true;
  /** 8 bytes per key. */
  hashes: Buffer = Buffer.alloc(0);
  /** `hashes`, read a 32-bit word at a time. */
  words: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  /** One digit per key; undefined when every key is flagged `DELIVERED` alone. */
  flags: string | undefined = '';
  /** Where the last key was found: the next one is usually just after it. */
  at = 0;
  hits = 0;
  fills = 0;
  useful = true;
  /** The highest key found in the window since it was filled. */
  lastHit = 0;
  /** The mean distance between the window's keys. */
  gap = 1;
  /** Keys asked outside the window one after another, each above the last, from `missFirst` to `lastMiss`. */
  missRun = 0;
  missFirst = 0;
  lastMiss = 0;

  hit(key: number): void {
    this.hits++;
    this.missRun = 0;
    if (key > this.lastHit) this.lastHit = key;
  }

  /** Whether the read has gone through most of the window's keys: the next key above it moves it. */
  passed(): boolean {
    return this.lastHit >= this.low + ((this.high - this.low) * 7) / 8;
  }

  /**
   * Whether the keys asked outside the window, up to `key`, ascend as a read of the table's keys
   * does (about as close together as the window's): the read has moved there. Rows moved by
   * updates come ascending too, but far apart.
   */
  missed(key: number): boolean {
    // The same key asked again (a row's delivered hash, then its whole prior) neither extends
    // the run nor breaks it: breaking it there kept every read below the window on point lookups.
    if (this.missRun > 0 && key === this.lastMiss) return false;
    if (this.missRun > 0 && key > this.lastMiss) this.missRun++;
    else {
      this.missRun = 1;
      this.missFirst = key;
    }
    this.lastMiss = key;
    return this.missRun >= MISS_RUN_TO_MOVE && (key - this.missFirst) / (this.missRun - 1) <= this.gap * 4;
  }

  /**
   * Takes the concatenated hashes and flags of `count` keys (undefined: all `DELIVERED`): false,
   * and the window is not used again, if they do not hold 8 bytes and one digit a key.
   */
  fill(hashes: Buffer | null, flags: string | null | undefined, count: number): boolean {
    this.hashes = hashes ?? Buffer.alloc(0);
    this.flags = flags === null ? '' : flags;
    this.size = count;
    if (this.hashes.length !== count * 8 || (this.flags !== undefined && this.flags.length !== count)) {
      this.useful = false;
      return false;
    }
    this.words = new DataView(this.hashes.buffer, this.hashes.byteOffset, this.hashes.length);
    return true;
  }

  /** The flags of the key at `at`. */
  flagsAt(at: number): number {
    return this.flags === undefined ? DELIVERED : this.flags.charCodeAt(at) - ZERO;
  }

  /** The key's position in `keys`, or `ABSENT`. */
  indexOf(key: number): number {
    const keys = this.keys;
    if (keys === undefined) {
      const at = key - this.first;
      return at >= 0 && at < this.size ? at : ABSENT;
    }
    let at = this.at;
    while (at < keys.length && keys[at]! < key) at++;
    if (at === keys.length || keys[at]! > key) {
      let low = 0;
      let high = Math.min(at, keys.length) - 1;
      while (low <= high) {
        const middle = (low + high) >>> 1;
        if (keys[middle]! < key) low = middle + 1;
        else if (keys[middle]! > key) high = middle - 1;
        else return (this.at = middle);
      }
      return ABSENT;
    }
    return (this.at = at);
  }
}

interface Scratch {
  readonly seen: string;
  readonly deferred: string;
}

/** A stored row's hash, flags and (when gone) matching key, as `PRIOR` selects them. */
type PriorRow = [string, number, string | null];

function prior(hash: string, flags: number, matchKey: string | null): Prior {
  return matchKey === null ? { hash, flags } : { hash, flags, matchKey };
}
