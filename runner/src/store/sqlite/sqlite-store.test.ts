import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FingerprintKey } from '../../diff/fingerprint.js';
import { DELIVERED, REJECTED } from '../../diff/fingerprint-session.js';
import { wordsHex } from '../../diff/murmur-hash.js';
import { SeenKeys } from '../../diff/seen-keys.js';
import { AlreadyRunningError, EXIT_CODES } from '../../errors.js';
import { emptyCounts } from '../../report/events.js';
import type { LockIdentity } from '../run-lock.js';
import { connectionFile } from './connection-file.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backflow-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-01-01T00:00:00Z');
/** A runner process as the lock sees it: its pid, host and clock, and which pids are alive. */
function runner(pid: number, options: { host?: string; now?: number; dead?: number[] } = {}): LockIdentity {
  return {
    pid,
    host: options.host ?? hostname(),
    now: () => options.now ?? T0,
    alive: (p) => !(options.dead ?? []).includes(p),
  };
}

const state = (after: number) => ({
  type: 'STREAM' as const,
  stream: { stream_descriptor: { name: 'items' }, stream_state: { after } },
});
const outcome = (stream: number, key: number) => ({
  stream,
  key,
  op: 'upsert' as const,
  flags: DELIVERED,
  hash: Buffer.alloc(8, key).toString('hex'),
  matchKey: `[${key}]`,
});

/** Keys as `markSeen` takes them: runs, made as the diff makes them. */
function asRuns(keys: readonly FingerprintKey[]) {
  const seen = new SeenKeys();
  for (const key of keys) seen.add(key);
  return seen.take();
}

describe('SqliteStore: one run of a connection at a time', () => {
  it('a second run fails at once naming the first (run, pid, host, since), with exit code 6', async () => {
    const first = await new SqliteStore(dir, runner(100)).openSync('c');
    const run = await first.startRun('2026-01-01T00:00:00.000Z');
    const second = new SqliteStore(dir, runner(200)).openSync('c');
    await expect(second).rejects.toThrow(AlreadyRunningError);
    await expect(second).rejects.toMatchObject({
      exitCode: EXIT_CODES.locked,
      message: `connection "c" is already running (run ${run}, pid 100, host ${hostname()}, since 2026-01-01T00:00:00.000Z)`,
    });
    expect(await new SqliteStore(dir, runner(200)).lockHolder('c')).toMatchObject({ run, pid: 100 });
    await first.close();
    expect(await new SqliteStore(dir, runner(200)).lockHolder('c')).toBeUndefined();
    const third = await new SqliteStore(dir, runner(200)).openSync('c');
    await third.close();
  });

  it('takes over the lock of a dead process on this host and records its run as failed', async () => {
    const dead = await new SqliteStore(dir, runner(100)).openSync('c');
    const run = await dead.startRun('2026-01-01T00:00:00.000Z');
    // The first runner is killed: its lock row stays, its pid is gone.
    const store = new SqliteStore(dir, runner(200, { dead: [100] }));
    const next = await store.openSync('c');
    expect(next.lock).toMatchObject({ pid: 200 });
    const [record] = await store.findRuns(run, 'c');
    expect(record).toMatchObject({ status: 'failed', error: expect.stringMatching(/pid 100 .*taken over/) });
    await next.close();
    await dead.close();
  });

  it('a holder whose pid is alive but whose heartbeat stopped (the pid was reused) is taken over', async () => {
    const gone = await new SqliteStore(dir, runner(100)).openSync('c');
    const soon = new SqliteStore(dir, runner(200, { now: T0 + 60_000 })).openSync('c');
    await expect(soon).rejects.toThrow(AlreadyRunningError);
    const later = await new SqliteStore(dir, runner(200, { now: T0 + 6 * 60_000 })).openSync('c');
    expect(later.lock).toMatchObject({ pid: 200 });
    await later.close();
    await gone.close();
  });

  it('a holder on another host is stale only once its heartbeat stopped', async () => {
    const elsewhere = await new SqliteStore(dir, runner(100, { host: 'other-host' })).openSync('c');
    const soon = new SqliteStore(dir, runner(200, { now: T0 + 60_000 })).openSync('c');
    await expect(soon).rejects.toThrow(/already running \(pid 100, host other-host/);
    const later = await new SqliteStore(dir, runner(200, { now: T0 + 6 * 60_000 })).openSync('c');
    expect(later.lock).toMatchObject({ pid: 200 });
    await later.close();
    await elsewhere.close();
  });

  it('two connections in one directory run at once without touching each other', async () => {
    const store = new SqliteStore(dir);
    const [a, b] = await Promise.all([store.openSync('a'), store.openSync('b')]);
    const [streamA, streamB] = await Promise.all([a.fingerprints.streamId('items'), b.fingerprints.streamId('items')]);
    await a.commit({ states: [state(1)], outcomes: [outcome(streamA, 1)] });
    await b.commit({ states: [state(2)], outcomes: [outcome(streamB, 2)] });
    expect((await a.states())[0]?.stream?.stream_state).toEqual({ after: 1 });
    expect((await b.states())[0]?.stream?.stream_state).toEqual({ after: 2 });
    await a.close();
    await b.close();
    const plan = await store.openPlan('b');
    expect(await plan.fingerprints.lookup(streamB, [1, 2])).toEqual(
      new Map([['2', { hash: Buffer.alloc(8, 2).toString('hex'), flags: DELIVERED }]]),
    );
    await plan.close();
  });
});

describe('SqliteStore: history', () => {
  it('reading the history of a connection never run finds nothing and creates nothing', async () => {
    const store = new SqliteStore(dir);
    expect(await store.listRuns({ connection: 'never', limit: 5 })).toEqual([]);
    expect(await store.findRuns(1, 'never')).toEqual([]);
    expect(await store.countRunRows({ connection: 'never', id: 1 })).toBe(0);
    expect(existsSync(join(dir, 'connections'))).toBe(false);
  });
});

describe('SqliteStore: one transaction per commit', () => {
  it('a commit that fails half way leaves the states, fingerprints and history as they were', async () => {
    const store = new SqliteStore(dir);
    const session = await store.openSync('c');
    const run = await session.startRun('2026-01-01T00:00:00.000Z');
    const stream = await session.fingerprints.streamId('items');
    await session.commit({ states: [state(1)], outcomes: [outcome(stream, 1)] });
    const unstorable = { ...state(2), stream: { ...state(2).stream, stream_state: { after: 2n } } };
    await expect(
      session.commit({
        outcomes: [outcome(stream, 2)],
        rows: [{ stream: 'items', kind: 'invalid', key: { id: 9 }, reason: 'x', retryable: false }],
        states: [unstorable as never],
        counts: { items: { ...emptyCounts(), read: 2 } },
      }),
    ).rejects.toThrow(/BigInt/);
    await session.close();
    const plan = await store.openPlan('c');
    expect((await plan.states()).map((s) => s.stream?.stream_state)).toEqual([{ after: 1 }]);
    expect([...(await plan.fingerprints.lookup(stream, [1, 2])).keys()]).toEqual(['1']);
    await plan.close();
    expect(await store.countRunRows({ connection: 'c', id: run })).toBe(0);
  });
});

describe('SqliteStore: merging the outcome log', () => {
  const keys = Array.from({ length: 60_000 }, (_, i) => i + 1);
  const changed = (key: number) => Buffer.alloc(8, key + 1).toString('hex');
  const logged = () => {
    const file = new Database(connectionFile(dir, 'c'), { readonly: true });
    const count = file.prepare('select count(*) from outcome_log').pluck().get();
    file.close();
    return count;
  };
  /** The items stream, with a first run's outcomes for `keys` merged. */
  const delivered = async (store: SqliteStore) => {
    const first = await store.openSync('c');
    const stream = await first.fingerprints.streamId('items');
    await first.commit({ outcomes: keys.map((key) => outcome(stream, key)) });
    await first.close();
    return stream;
  };

  it('merges a log in key order a chunk at a time, letting the event loop turn between chunks', async () => {
    const store = new SqliteStore(dir);
    const stream = await delivered(store);
    const session = await store.openSync('c');
    // Every row changed but one, refused: it keeps what was delivered before.
    await session.commit({
      outcomes: keys.map((key) =>
        key === 7
          ? { ...outcome(stream, key), op: 'reject' as const, flags: 0, hash: changed(key), reason: 'no' }
          : { ...outcome(stream, key), hash: changed(key) },
      ),
    });
    expect(logged()).toBe(keys.length);
    const settling = session.settle();
    expect(logged()).toBe(keys.length - 50_000);
    await settling;
    expect(logged()).toBe(0);
    const found = await session.fingerprints.lookup(stream, [1, 7, 60_000]);
    expect(found.get('1')).toEqual({ hash: changed(1), flags: DELIVERED });
    expect(found.get('7')).toEqual({ hash: changed(7), flags: DELIVERED | REJECTED });
    expect(found.get('60000')).toEqual({ hash: changed(60_000), flags: DELIVERED });
    await session.close();
  });

  it('merges a log in key order from its middle round to its start in chunks too', async () => {
    const store = new SqliteStore(dir);
    const stream = await delivered(store);
    const session = await store.openSync('c');
    const middle = keys.length / 2;
    const roundabout = [...keys.slice(middle), ...keys.slice(0, middle)];
    await session.commit({ outcomes: roundabout.map((key) => ({ ...outcome(stream, key), hash: changed(key) })) });
    const settling = session.settle();
    expect(logged()).toBe(keys.length - 50_000);
    await settling;
    expect(logged()).toBe(0);
    const found = await session.fingerprints.lookup(stream, [1, keys.length]);
    expect(found.get('1')).toEqual({ hash: changed(1), flags: DELIVERED });
    await session.close();
  });

  it('merges a log out of key order, or holding deletes, in one statement', async () => {
    const store = new SqliteStore(dir);
    const stream = await delivered(store);
    for (const outcomes of [
      keys.map((key, i) => ({ ...outcome(stream, i % 2 ? key : keys.length - key), hash: changed(key) })),
      [{ ...outcome(stream, 1), op: 'delete' as const }, ...keys.slice(1).map((key) => outcome(stream, key))],
    ]) {
      const session = await store.openSync('c');
      await session.commit({ outcomes });
      const settling = session.settle();
      expect(logged()).toBe(0);
      await settling;
      await session.close();
    }
    const plan = await store.openPlan('c');
    const found = await plan.fingerprints.lookup(stream, [1, 2]);
    expect([...found.keys()]).toEqual(['2']);
    expect(found.get('2')).toEqual({ hash: outcome(stream, 2).hash, flags: DELIVERED });
    await plan.close();
  });
});

describe('SqliteStore: new rows appended to the fingerprints', () => {
  const logged = () => {
    const file = new Database(connectionFile(dir, 'c'), { readonly: true });
    const count = file.prepare('select count(*) from outcome_log').pluck().get();
    file.close();
    return count;
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('rows of keys above every stored one go straight into the table; they were not there when the read started', async () => {
    const store = new SqliteStore(dir);
    const first = await store.openSync('c');
    const stream = await first.fingerprints.streamId('items');
    await first.commit({ outcomes: range(1, 10).map((key) => outcome(stream, key)) });
    expect(logged()).toBe(0);
    await first.close();

    const session = await store.openSync('c');
    const { fingerprints } = session;
    // Key 3 left the model; keys 11–20 are new, confirmed before the read ends.
    await session.commit({ outcomes: range(11, 15).map((key) => outcome(stream, key)) });
    await session.commit({ outcomes: range(16, 20).map((key) => outcome(stream, key)) });
    expect(logged()).toBe(0);
    expect(fingerprints.lookupNow!(stream, 20)).toEqual({ hash: outcome(stream, 20).hash, flags: DELIVERED });
    await fingerprints.markSeen(stream, asRuns(range(1, 20).filter((key) => key !== 3)));
    await fingerprints.endRead(stream);
    // Two ranges seen for 9 stored keys: the table is counted, without the rows appended.
    expect(await fingerprints.unseenRemain(stream, 9)).toBe(true);
    expect(await fingerprints.unseenRemain(stream, 10)).toBe(false);
    // As if many keys had been seen per range: the first key after each range is looked at.
    expect(await fingerprints.unseenRemain(stream, 1000)).toBe(true);
    expect((await fingerprints.removedPage(stream, undefined, 100)).map((row) => row.key)).toEqual([3]);
    await fingerprints.markSeen(stream, asRuns([3]));
    expect(await fingerprints.unseenRemain(stream, 1000)).toBe(false);
    await session.close();
  });

  it('once anything is logged, later outcomes are logged too, and merged after it in order', async () => {
    const store = new SqliteStore(dir);
    const session = await store.openSync('c');
    const stream = await session.fingerprints.streamId('items');
    const refused = { ...outcome(stream, 2), op: 'reject' as const, flags: 0, reason: 'no' };
    await session.commit({ outcomes: [outcome(stream, 1), refused] });
    await session.commit({ outcomes: [{ ...outcome(stream, 2), hash: Buffer.alloc(8, 9).toString('hex') }] });
    expect(logged()).toBe(3);
    await session.close();
    const plan = await store.openPlan('c');
    const found = await plan.fingerprints.lookup(stream, [1, 2]);
    expect(found.get('1')).toEqual({ hash: outcome(stream, 1).hash, flags: DELIVERED });
    expect(found.get('2')).toEqual({ hash: Buffer.alloc(8, 9).toString('hex'), flags: DELIVERED });
    await plan.close();
  });
});

/** Counts the store's lookups of one key: the statements its window and read-ahead save. */
function countPointLookups(fingerprints: object): () => number {
  const statements = fingerprints as Record<'lookupOne' | 'lookupOneHash', Database.Statement>;
  let count = 0;
  for (const name of ['lookupOne', 'lookupOneHash'] as const) {
    const statement = statements[name];
    const get = statement.get.bind(statement);
    statement.get = (...args: unknown[]) => {
      count++;
      return get(...args);
    };
  }
  return () => count;
}

describe('SqliteStore: looking keys up one at a time', () => {
  it('answers as the batch lookup does, over stretches of keys with and without gaps, in order or not', async () => {
    const store = new SqliteStore(dir);
    const session = await store.openSync('c');
    const stream = await session.fingerprints.streamId('items');
    // Keys without a gap over three windows (the third holding a refused row), then with gaps;
    // hashes of every byte value.
    const stored = Array.from({ length: 16_000 }, (_, i) => i + 1).filter((key) => key <= 13_000 || key % 3 === 0);
    await session.commit({ outcomes: stored.map((key) => outcome(stream, key)) });
    const refused = [5, 10_000, 14_001];
    await session.commit({ outcomes: refused.map((key) => ({ ...outcome(stream, key), op: 'reject' as const })) });
    await session.close();
    const asked = Array.from({ length: 16_100 }, (_, i) => i);
    // As Postgres returns a table after updates: in order, then the updated rows at its end, up
    // and down; and as a scan that began mid-table.
    const moved = (key: number) => key % 97 === 0 || key % 89 === 1;
    const afterUpdates = [
      ...asked.filter((key) => !moved(key)),
      ...asked.filter((key) => key % 97 === 0),
      ...asked.filter((key) => key % 89 === 1).reverse(),
    ];
    const fromMiddle = [...asked.slice(9_000), ...asked.slice(0, 9_000)];
    const orders = [
      asked,
      [...asked].reverse(),
      asked.map((_, i) => (i * 7919) % asked.length),
      afterUpdates,
      fromMiddle,
    ];
    for (const order of orders) {
      const plan = await store.openPlan('c');
      const { fingerprints } = plan;
      const expected = await fingerprints.lookup(stream, asked);
      for (const key of refused) expect(expected.get(String(key))?.flags).toBe(DELIVERED | REJECTED);
      const pointLookups = countPointLookups(fingerprints);
      const words = new Int32Array(2);
      // In batches as the reader asks, which has the keys read ahead when the store wants them.
      for (let i = 0; i < order.length; i += 300) {
        const batch = order.slice(i, i + 300);
        if (fingerprints.readAheadWanted!(i === 0 ? 0 : 300)) fingerprints.readAhead!(stream, batch);
        for (const key of batch) {
          const prior = expected.get(String(key));
          expect(fingerprints.lookupNow!(stream, key)).toEqual(prior);
          const delivered = fingerprints.deliveredHashNow!(stream, key, words);
          expect(delivered).toBe(prior?.flags === DELIVERED);
          if (delivered) expect(wordsHex(words[0]!, words[1]!)).toBe(prior!.hash);
        }
      }
      // Keys in no order are read ahead, a batch a query, once the first batch showed it.
      if (order === orders[2]) expect(pointLookups()).toBeLessThan(2 * 300);
      await plan.close();
    }
  });
  it('moves its window to a read that dropped below it, though the differ asks each key twice', async () => {
    const store = new SqliteStore(dir);
    const session = await store.openSync('c');
    const stream = await session.fingerprints.streamId('items');
    const stored = Array.from({ length: 40_000 }, (_, i) => i + 1);
    await session.commit({ outcomes: stored.map((key) => outcome(stream, key)) });
    await session.close();
    const plan = await store.openPlan('c');
    const fingerprints = plan.fingerprints;
    const pointLookups = countPointLookups(fingerprints);
    // A scan that began mid-table, as Postgres starts one beside another under way; per key the
    // differ asks for the delivered hash, then for the whole prior.
    const words = new Int32Array(2);
    for (const key of [...stored.slice(30_000), ...stored.slice(0, 30_000)]) {
      expect(fingerprints.deliveredHashNow!(stream, key, words)).toBe(true);
      expect(fingerprints.lookupNow!(stream, key)?.flags).toBe(DELIVERED);
    }
    // Only the few keys past the drop, before their run shows the read moved there.
    expect(pointLookups()).toBeLessThan(40);
    await plan.close();
  });
});

describe('SqliteStore: keys seen in a run', () => {
  it('tells keys seen from the others, integer runs and gaps, negative and hashed keys alike', async () => {
    const store = new SqliteStore(dir);
    const session = await store.openSync('c');
    const { fingerprints } = session;
    const stream = await fingerprints.streamId('items');
    const hashed = (n: number) => Buffer.alloc(16, n);
    const stored = [-5, -4, -3, 1, 2, 3, 4, 6, 7, 10, 11, 12];
    await session.commit({ outcomes: stored.map((key) => outcome(stream, key)) });
    await session.commit({ outcomes: [1, 2, 3].map((n) => ({ ...outcome(stream, 0), key: hashed(n) })) });
    await session.settle();
    await fingerprints.markSeen(stream, asRuns([-5, -4, 1, 2, 3, hashed(2), 7, 6]));
    await fingerprints.markSeen(stream, asRuns([4, 10, 12, 11]));
    await fingerprints.endRead(stream);
    const asked = [-5, -4, -3, 0, 1, 4, 5, 6, 7, 8, 10, 11, 12, 13, hashed(1), hashed(2), hashed(3)];
    expect([...(await fingerprints.seen(stream, asked))].sort()).toEqual(
      ['-5', '-4', '1', '4', '6', '7', '10', '11', '12', hashed(2).toString('hex')].sort(),
    );
    const removed = (await fingerprints.removedPage(stream, undefined, 100)).map((row) => row.key);
    expect(removed).toEqual([-3, hashed(1), hashed(3)]);
    // As if many keys had been seen per range: the first key after each range is looked at.
    const many = 1_000_000;
    expect(await fingerprints.unseenRemain(stream, many)).toBe(true);
    await fingerprints.markSeen(stream, asRuns([-3, hashed(1)]));
    expect(await fingerprints.unseenRemain(stream, many)).toBe(true);
    await fingerprints.markSeen(stream, asRuns([hashed(3)]));
    expect(await fingerprints.unseenRemain(stream, many)).toBe(false);
    await session.close();
  });

  it('finds a stored key outside the ranges seen before the first range and after the last', async () => {
    const session = await new SqliteStore(dir).openSync('c');
    const { fingerprints } = session;
    const [first, last] = [await fingerprints.streamId('first'), await fingerprints.streamId('last')];
    await session.commit({ outcomes: [1, 2, 3, 4].flatMap((key) => [outcome(first, key), outcome(last, key)]) });
    await session.settle();
    await fingerprints.markSeen(first, asRuns([2, 3, 4]));
    await fingerprints.markSeen(last, asRuns([1, 2, 3]));
    expect(await fingerprints.unseenRemain(first, 1000)).toBe(true);
    expect(await fingerprints.unseenRemain(last, 1000)).toBe(true);
    await session.close();
  });
});

describe('SqliteStore: delivery targets', () => {
  it('records targets with the commit and forgets one stream on reset, leaving the others', async () => {
    const store = new SqliteStore(dir);
    const session = await store.openSync('c');
    const items = await session.fingerprints.streamId('items');
    const other = await session.fingerprints.streamId('other');
    const otherState = { type: 'STREAM' as const, stream: { stream_descriptor: { name: 'other' }, stream_state: {} } };
    await session.commit({
      states: [state(5), otherState],
      outcomes: [outcome(items, 1), outcome(other, 2)],
      targets: { items: 'items_a (stream items)', other: 'other (stream other)' },
    });
    const unstorable = { ...state(6), stream: { ...state(6).stream, stream_state: { after: 6n } } };
    await expect(
      session.commit({ states: [unstorable as never], targets: { items: 'items_b (stream items)' } }),
    ).rejects.toThrow(/BigInt/);
    expect(await session.targets()).toEqual(
      new Map([
        ['items', 'items_a (stream items)'],
        ['other', 'other (stream other)'],
      ]),
    );
    await session.settle();
    await session.resetStream('items');
    expect([...(await session.fingerprints.lookup(items, [1])).keys()]).toEqual([]);
    expect([...(await session.fingerprints.lookup(other, [2])).keys()]).toEqual(['2']);
    expect((await session.states()).map((s) => s.stream?.stream_descriptor.name)).toEqual(['other']);
    // The target stays until a commit records the new one: a run that fails first resets again.
    expect((await session.targets()).get('items')).toBe('items_a (stream items)');
    await session.close();
  });

  it('a file made before targets were kept gains the table, with no target for its streams', async () => {
    const session = await new SqliteStore(dir).openSync('c');
    await session.close();
    const db = new Database(join(dir, 'connections', 'c.sqlite'));
    db.exec('drop table targets');
    db.close();
    const plan = await new SqliteStore(dir).openPlan('c');
    expect(await plan.targets()).toEqual(new Map());
    await plan.close();
  });
});

describe('SqliteStore: migration of the earlier layout', () => {
  it('moves states, fingerprints (with their pending log) and history into one file per connection', async () => {
    // The layout of before: a JSON file of states, a fingerprint file, a history shared by connections.
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', 'c.json'), JSON.stringify({ states: { 'stream:items': state(40) } }));
    mkdirSync(join(dir, 'fingerprints'));
    const fp = new Database(join(dir, 'fingerprints', 'c.sqlite'));
    fp.exec(`
      create table streams (id integer primary key, name text not null unique);
      create table fingerprints (stream integer not null, k blob not null, r blob not null, f integer not null,
        v text not null, primary key (stream, k)) without rowid;
      create table outcome_log (seq integer primary key, stream integer not null, k blob not null, op integer not null,
        r blob not null, f integer not null, v text not null);
      create table kept (stream integer not null, k blob not null, r blob not null, v text not null, data text not null,
        primary key (stream, k)) without rowid;
      create table rejections (stream integer not null, k blob not null, reason text not null, field text,
        primary key (stream, k)) without rowid;
      insert into streams values (3, 'items');`);
    fp.prepare('insert into fingerprints values (3, 1, ?, 1, ?)').run(Buffer.alloc(8, 1), '[1]');
    fp.prepare('insert into outcome_log (stream, k, op, r, f, v) values (3, 2, 0, ?, 1, ?)').run(
      Buffer.alloc(8, 2),
      '[2]',
    );
    fp.close();
    const history = new Database(join(dir, 'history.sqlite'));
    history.exec(`
      create table runs (id integer primary key autoincrement, connection text not null, started_at text not null,
        finished_at text, status text not null, exit_code integer, streams text not null, totals text, error text);
      create table run_rows (run integer not null, seq integer not null, stream text not null, kind text not null,
        key text not null, reason text not null, retryable integer not null, field text, primary key (run, seq)) without rowid;
      insert into runs values (1, 'c', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'succeeded', 3, '{}', '{}', null);
      insert into runs values (2, 'd', '2026-01-02T00:00:00Z', null, 'failed', 1, '{}', null, 'boom');
      insert into run_rows values (1, 1, 'items', 'rejected', '{"id":5}', 'no', 0, null);`);
    history.close();

    const store = new SqliteStore(dir);
    const session = await store.openSync('c');
    expect((await session.states()).map((s) => s.stream?.stream_state)).toEqual([{ after: 40 }]);
    expect(await session.fingerprints.streamId('items')).toBe(3);
    expect([...(await session.fingerprints.lookup(3, [1, 2])).keys()].sort()).toEqual(['1', '2']);
    expect(await session.startRun('2026-01-03T00:00:00Z')).toBe(2);
    await session.close();
    expect((await store.listRuns({ limit: 10 })).map((r) => [r.connection, r.id])).toEqual([
      ['c', 2],
      ['d', 2],
      ['c', 1],
    ]);
    expect((await store.runRows({ connection: 'c', id: 1 }, 0, 10)).map((r) => r.row.key)).toEqual([{ id: 5 }]);
    for (const legacy of ['state', 'fingerprints', 'history.sqlite']) expect(existsSync(join(dir, legacy))).toBe(false);
  });
});

describe('alert incidents', () => {
  it('are opened once until closed, by whichever store instance asks first, across reopenings', async () => {
    const first = new SqliteStore(dir, runner(1));
    const second = new SqliteStore(dir, runner(2));
    expect(await first.claimIncident('items', 'failed')).toBe(true);
    expect(await second.claimIncident('items', 'failed')).toBe(false);
    expect(await second.claimIncident('items', 'late')).toBe(true);
    expect(await first.claimIncident('other', 'failed')).toBe(true);
    await second.closeIncident('items', 'failed');
    expect(await new SqliteStore(dir, runner(3)).claimIncident('items', 'failed')).toBe(true);
    expect(await first.claimIncident('items', 'late')).toBe(false);
  });
});
