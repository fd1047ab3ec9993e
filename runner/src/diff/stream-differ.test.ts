import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyCounts } from '../report/events.js';
import { compileMapping } from '../mapping/compile-mapping.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { SyncSession } from '../store/types.js';
import { DELIVERED, type Outcome } from './fingerprint-session.js';
import { BloomFilter } from './bloom-filter.js';
import { fingerprintKey } from './fingerprint.js';
import { StreamDiffer, type Decision, type StreamDiffSettings } from './stream-differ.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backflow-differ-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;
const rows = (n: number, change: (row: Row) => Row = (r) => r) =>
  Array.from({ length: n }, (_, i) => change({ id: i + 1, name: `n${i + 1}` }));

/**
 * One run of a stream over `input`; every send is confirmed as delivered unless `refuse`
 * says otherwise. Returns the decisions and the counts.
 */
async function runOnce(
  input: readonly Row[],
  settings: Partial<StreamDiffSettings> = {},
  refuse: (d: Decision) => boolean = () => false,
  printed?: (row: Row) => string,
) {
  const store = new SqliteStore(dir);
  const session = settings.dryRun ? await store.openPlan('c') : await store.openSync('c');
  const streamId = await session.fingerprints.streamId('s');
  const differ = mirrorDiffer(streamId, session, { dryRun: false, ...settings });
  const decisions: Decision[] = [];
  for (const row of input) decisions.push(...differ.add(row, undefined, printed?.(row)));
  for await (const batch of differ.finishRead(true)) decisions.push(...batch);
  if (!settings.dryRun) await confirm(session as SyncSession, streamId, decisions, refuse);
  await session.close();
  return { decisions, counts: differ.counts };
}

async function confirm(
  session: SyncSession,
  stream: number,
  decisions: readonly Decision[],
  refuse: (d: Decision) => boolean,
) {
  const outcomes: Outcome[] = [];
  for (const d of decisions) {
    if (d.kind !== 'send') continue;
    const base = { stream, key: d.key!, hash: d.hash, matchKey: d.matchKey };
    if (refuse(d)) outcomes.push({ ...base, op: 'reject', flags: 0, reason: 'no' });
    else outcomes.push({ ...base, op: d.op, flags: DELIVERED });
  }
  await session.commit({ outcomes });
}

/** `unchangedPrinted` of a row printed as `text`, amid other bytes as in a chunk read. */
const unchangedAsPrinted = (differ: StreamDiffer, key: number, text: string) => {
  const line = Buffer.from(`{"data":${text}}`);
  return differ.unchangedPrinted(key, line, 8, line.length - 1);
};

/** A differ of stream `s` under `mirror` by `id`, in a plan unless `settings` says otherwise. */
const mirrorDiffer = (
  streamId: number,
  session: { fingerprints: SyncSession['fingerprints'] },
  settings: Partial<StreamDiffSettings> = {},
) =>
  new StreamDiffer(
    {
      stream: 's',
      streamId,
      behaviour: 'mirror',
      primaryKey: [['id']],
      matchingKeys: [['id']],
      mapper: undefined,
      detectRemoved: true,
      fullResync: false,
      dryRun: true,
      ...settings,
    },
    session.fingerprints,
    emptyCounts(),
  );

const sent = (decisions: readonly Decision[]) =>
  decisions.filter((d) => d.kind === 'send').map((d) => (d.kind === 'send' ? `${d.op}:${JSON.stringify(d.data)}` : ''));

describe('StreamDiffer', () => {
  it('classifies added, changed, unchanged and removed rows; mirror deletes by matching key', async () => {
    expect((await runOnce(rows(5))).counts).toMatchObject({ added: 5 });
    const next = rows(5, (r) => (r['id'] === 2 ? { ...r, name: 'changed' } : r)).filter((r) => r['id'] !== 4);
    const { decisions, counts } = await runOnce([...next, { id: 6, name: 'n6' }]);
    expect(counts).toMatchObject({ added: 1, changed: 1, unchanged: 3, removed: 1 });
    expect(sent(decisions)).toEqual([
      'upsert:{"id":2,"name":"changed"}',
      'upsert:{"id":6,"name":"n6"}',
      'delete:{"id":4}',
    ]);
    expect((await runOnce([...next, { id: 6, name: 'n6' }])).decisions).toEqual([]);
  });

  it('sends what each behaviour needs', async () => {
    await runOnce(rows(3), { behaviour: 'upsert' });
    const next = [...rows(2, (r) => ({ ...r, name: 'x' })), { id: 9, name: 'n9' }];
    expect(sent((await runOnce(next, { behaviour: 'insert', dryRun: true })).decisions)).toEqual([
      'upsert:{"id":9,"name":"n9"}',
    ]);
    expect(sent((await runOnce(next, { behaviour: 'append', dryRun: true })).decisions)).toHaveLength(3);
    const upsert = await runOnce(next, { behaviour: 'upsert', dryRun: true });
    expect(upsert.counts).toMatchObject({ removed: 1 });
    expect(sent(upsert.decisions)).toHaveLength(3);
  });

  it('reports a removed row once for behaviours that never delete, and again only after it returns and leaves', async () => {
    await runOnce(rows(3), { behaviour: 'upsert' });
    expect((await runOnce(rows(2), { behaviour: 'upsert' })).counts.removed).toBe(1);
    expect((await runOnce(rows(2), { behaviour: 'upsert' })).counts.removed).toBe(0);
    const back = await runOnce(rows(3), { behaviour: 'upsert' });
    expect(back.counts).toMatchObject({ unchanged: 3, sent: 0 });
    expect(back.decisions).toEqual([]);
    expect((await runOnce(rows(2), { behaviour: 'upsert' })).counts.removed).toBe(1);
  });

  it('reports duplicate keys as invalid and sends the first row of each key only', async () => {
    const input = [...rows(3), { id: 2, name: 'again' }, { id: 2, name: 'thrice' }];
    const { decisions, counts } = await runOnce(input);
    expect(counts).toMatchObject({ added: 3, invalid: 2 });
    expect(sent(decisions)).toEqual([
      'upsert:{"id":1,"name":"n1"}',
      'upsert:{"id":2,"name":"n2"}',
      'upsert:{"id":3,"name":"n3"}',
    ]);
    expect(decisions.filter((d) => d.kind === 'invalid').map((d) => d.kind === 'invalid' && d.key)).toEqual([
      { id: 2 },
      { id: 2 },
    ]);
  });

  it('reports a key repeated among the rows set aside as possible repeats, pages apart', async () => {
    // Keys with many gaps go through the Bloom filter: its false positives are set aside unread
    // before; a second copy of each, read last, is set aside too, over a page of rows later.
    const keys = Array.from({ length: 300_000 }, (_, i) => 3 * i);
    const shadow = new BloomFilter();
    const claimed = keys.filter((key) => shadow.add(key));
    expect(claimed.length).toBeGreaterThan(1000);
    const input = [...keys, ...claimed].map((id) => ({ id }));
    const { decisions, counts } = await runOnce(input, { dryRun: true });
    expect(counts).toMatchObject({ added: keys.length, invalid: claimed.length });
    const invalid = decisions.filter((d) => d.kind === 'invalid').map((d) => d.kind === 'invalid' && d.key['id']);
    expect(invalid).toEqual(claimed);
  });

  it('diffs a row set aside as a possible repeat by its text as printed, like any other', async () => {
    // String keys go through the Bloom filter; read in another order, other rows are its false positives.
    const input = Array.from({ length: 60_000 }, (_, i) => ({ id: `k${i}`, tags: ['a', i % 3] }));
    const claimedIn = (order: Row[]) => {
      const shadow = new BloomFilter();
      return new Set(order.filter((row) => shadow.add(fingerprintKey([row['id']]))).map((row) => row['id']));
    };
    const reversed = [...input].reverse();
    const first = claimedIn(input);
    expect([...claimedIn(reversed)].some((id) => !first.has(id))).toBe(true);
    const spaced = (row: Row) => JSON.stringify(row, null, 1);
    await runOnce(input, {}, undefined, spaced);
    const rerun = await runOnce(reversed, {}, undefined, spaced);
    expect(rerun.counts).toMatchObject({ unchanged: input.length, changed: 0 });
    expect(sent(rerun.decisions)).toEqual([]);
  });

  it('reports a row with a missing key as invalid', async () => {
    const { decisions } = await runOnce([{ id: null, name: 'x' }]);
    expect(decisions).toEqual([{ kind: 'invalid', key: { id: null }, reason: 'primary key id is null or missing' }]);
  });

  it('does not resend a row refused for good while its data stays the same, and never deletes a row never delivered', async () => {
    await runOnce(rows(3), {}, (d) => d.kind === 'send' && d.data['id'] === 2);
    const again = await runOnce(rows(3));
    expect(sent(again.decisions)).toEqual([]);
    expect(again.decisions).toEqual([
      { kind: 'still-rejected', key: { id: 2 }, reason: 'unchanged since the destination refused it: no' },
    ]);
    const removed = await runOnce(rows(1));
    expect(sent(removed.decisions)).toEqual(['delete:{"id":3}']);
  });

  it('only mapped fields take part in the fingerprint', async () => {
    const mapper = compileMapping({ id: 'id', label: { template: 'N-{{ name }}' } });
    await runOnce(
      rows(2).map((r) => ({ ...r, extra: 1 })),
      { mapper },
    );
    const { counts, decisions } = await runOnce(
      rows(2).map((r) => ({ ...r, extra: 2 })),
      { mapper },
    );
    expect(counts).toMatchObject({ unchanged: 2 });
    expect(decisions).toEqual([]);
  });

  it("keeps a row's source line for sending only when no mapping changes the row", async () => {
    const session = await new SqliteStore(dir).openPlan('c');
    const differ = (mapper: StreamDiffSettings['mapper']) =>
      new StreamDiffer(
        {
          stream: 's',
          streamId: 1,
          behaviour: 'upsert',
          primaryKey: [['id']],
          matchingKeys: [['id']],
          mapper,
          detectRemoved: false,
          fullResync: false,
          dryRun: true,
        },
        session.fingerprints,
        emptyCounts(),
      );
    const lineOf = (decisions: readonly Decision[]) => (decisions[0]?.kind === 'send' ? decisions[0].line : 'none');
    expect(lineOf(differ(undefined).add({ id: 1 }, 'the line'))).toBe('the line');
    expect(lineOf(differ(compileMapping({ id: 'id' })).add({ id: 1 }, 'the line'))).toBeUndefined();
    await session.close();
  });

  it('resends records kept for retry on a stream read incrementally, unless the run read a newer version', async () => {
    const incremental = { behaviour: 'upsert' as const, detectRemoved: false };
    await runOnce(rows(2), incremental);
    const session = await new SqliteStore(dir).openSync('c');
    const stream = await session.fingerprints.streamId('s');
    const keep = (id: number) => ({
      key: id,
      hash: Buffer.alloc(8).toString('hex'),
      matchKey: `[${id}]`,
      data: JSON.stringify({ id, name: 'kept' }),
    });
    await session.commit({ kept: [{ stream, records: [keep(1), keep(7)] }] });
    await session.close();
    const { decisions } = await runOnce([{ id: 1, name: 'fresh' }], incremental);
    expect(sent(decisions)).toEqual(['upsert:{"id":1,"name":"fresh"}', 'upsert:{"id":7,"name":"kept"}']);
    expect((await runOnce([], incremental)).decisions).toEqual([]);
  });

  it('a store written before keeps working: a stored 8-byte MD5 of the row matches, the row is not resent, and its text alone then proves it unchanged', async () => {
    const session = await new SqliteStore(dir).openSync('c');
    const stream = await session.fingerprints.streamId('s');
    await session.close();
    // The fingerprint as earlier runners wrote it: the first 8 bytes of the MD5 of the row's JSON
    // (rows 1–3), or of its text as printed (rows 4–5).
    const printed = (row: Row) => JSON.stringify(row, null, 1);
    const md5 = (text: string) => createHash('md5').update(text).digest().subarray(0, 8);
    const db = new Database(join(dir, 'connections', 'c.sqlite'));
    const put = db.prepare('insert into fingerprints (stream, k, r, f, v) values (?, ?, ?, ?, ?)');
    for (const row of rows(5)) {
      const text = Number(row['id']) <= 3 ? JSON.stringify(row) : printed(row);
      put.run(stream, row['id'], md5(text), DELIVERED, `[${String(row['id'])}]`);
    }
    db.close();
    // The MD5 of a row's text as printed proves it unchanged without parsing it, as before.
    const before = await new SqliteStore(dir).openPlan('c');
    const fast = mirrorDiffer(stream, before);
    const provenFast = rows(5).map((row) => unchangedAsPrinted(fast, Number(row['id']), printed(row)));
    expect(provenFast).toEqual([false, false, false, true, true]);
    await before.close();
    const next = rows(5, (r) => (r['id'] === 3 ? { ...r, name: 'changed' } : r));
    const { counts, decisions } = await runOnce(next, {}, undefined, printed);
    expect(counts).toMatchObject({ unchanged: 4, changed: 1 });
    expect(sent(decisions)).toEqual(['upsert:{"id":3,"name":"changed"}']);
    // Unchanged rows now hold this runner's hash: their text alone proves them unchanged.
    const plan = await new SqliteStore(dir).openPlan('c');
    const differ = mirrorDiffer(stream, plan);
    for (const row of next) expect(unchangedAsPrinted(differ, Number(row['id']), printed(row))).toBe(true);
    await plan.close();
  });

  it('diffs a row by its text as printed when given; printed otherwise, it is unchanged if its JSON is, and its text is stored', async () => {
    const spaced = (row: Row) => JSON.stringify(row, null, 1);
    // Stored under the hash of each row's JSON, as a store from before text hashes has them.
    await runOnce(rows(3));
    const rerun = await runOnce(rows(3), {}, undefined, spaced);
    expect(rerun.counts).toMatchObject({ unchanged: 3 });
    expect(rerun.decisions).toEqual([]);
    // The printed text is now what is stored: it alone proves the row unchanged.
    const session = await new SqliteStore(dir).openPlan('c');
    const differ = mirrorDiffer(await session.fingerprints.streamId('s'), session);
    expect(differ.add({ id: 1, name: 'n1-not-looked-at' }, undefined, spaced({ id: 1, name: 'n1' }))).toEqual([]);
    const changed = { id: 2, name: 'n2-now' };
    expect(sent([...differ.add(changed, undefined, spaced(changed))])).toEqual(['upsert:{"id":2,"name":"n2-now"}']);
    expect(differ.counts).toMatchObject({ unchanged: 1, changed: 1 });
    await session.close();
  });

  it('proves a row unchanged from its printed text alone, and only a plain unchanged one', async () => {
    const printed = (row: Row) => JSON.stringify(row);
    await runOnce(rows(4), {}, (d) => d.kind === 'send' && d.data['id'] === 4, printed);
    const session = await new SqliteStore(dir).openPlan('c');
    const streamId = await session.fingerprints.streamId('s');
    const differ = mirrorDiffer(streamId, session);
    expect(differ.printedKeyField).toBe('{"id":');
    expect(unchangedAsPrinted(differ, 1, printed({ id: 1, name: 'n1' }))).toBe(true);
    expect(unchangedAsPrinted(differ, 2, printed({ id: 2, name: 'changed' }))).toBe(false);
    expect(unchangedAsPrinted(differ, 3, printed({ id: 2, name: 'n2' }))).toBe(false);
    expect(unchangedAsPrinted(differ, 4, printed({ id: 4, name: 'n4' }))).toBe(false); // refused: reported by `add`
    expect(unchangedAsPrinted(differ, 9, printed({ id: 9, name: 'n9' }))).toBe(false);
    expect(differ.counts).toMatchObject({ unchanged: 1 });
    // A key read twice is left to `add`, which reports the duplicate.
    expect(unchangedAsPrinted(differ, 1, printed({ id: 1, name: 'n1' }))).toBe(false);
    expect(differ.add({ id: 1, name: 'n1' }, undefined, printed({ id: 1, name: 'n1' }))).toEqual([]);
    const rest: Decision[] = [];
    for await (const batch of differ.finishRead(true)) rest.push(...batch);
    expect(rest.filter((d) => d.kind === 'invalid').map((d) => d.kind === 'invalid' && d.reason)).toEqual([
      expect.stringContaining('duplicate primary key'),
    ]);
    // Rows 2 and 3 were not read, as far as the differ knows: removed (4 was never delivered).
    expect(rest.filter((d) => d.kind === 'send').map((d) => d.kind === 'send' && `${d.op}:${d.key}`)).toEqual([
      'delete:2',
      'delete:3',
    ]);
    expect(differ.counts).toMatchObject({ unchanged: 1, removed: 2 });
    await session.close();
  });

  it('looks for removed rows only when the store holds rows not read', async () => {
    await runOnce(rows(3));
    const read = async (input: Row[]) => {
      const session = await new SqliteStore(dir).openSync('c');
      const asked: string[] = [];
      const spied = new Proxy(session.fingerprints, {
        get: (target, name: string) => {
          const value = Reflect.get(target, name) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => (
            asked.push(name),
            (value as (...a: unknown[]) => unknown).apply(target, args)
          );
        },
      });
      const streamId = await session.fingerprints.streamId('s');
      const differ = mirrorDiffer(streamId, { fingerprints: spied }, { dryRun: false, behaviour: 'upsert' });
      for (const row of input) differ.add(row);
      for await (const _ of differ.finishRead(true));
      await session.close();
      return { counts: differ.counts, asked };
    };
    const all = await read(rows(3));
    expect(all.counts).toMatchObject({ unchanged: 3, removed: 0 });
    expect(all.asked).toContain('unseenRemain');
    expect(all.asked).not.toContain('retireUnseen');
    const some = await read(rows(2));
    expect(some.counts).toMatchObject({ unchanged: 2, removed: 1 });
    expect(some.asked).toContain('retireUnseen');
  });

  it('catches a repeated key whether keys came in order before it or not', async () => {
    const input = [1, 2, 3, 5, 2, 4, 4, 6, 1].map((id, i) => ({ id, name: `r${i}` }));
    const { decisions, counts } = await runOnce(input);
    expect(counts).toMatchObject({ added: 6, invalid: 3 });
    expect(sent(decisions)).toEqual(
      [1, 2, 3, 5, 4, 6].map((id) => `upsert:${JSON.stringify(input.find((r) => r.id === id))}`),
    );
  });

  it('a stream whose rows always go through `add` has no printed key field', async () => {
    const session = await new SqliteStore(dir).openPlan('c');
    const streamId = await session.fingerprints.streamId('s');
    const field = (settings: Partial<StreamDiffSettings>) => mirrorDiffer(streamId, session, settings).printedKeyField;
    expect(field({ primaryKey: [['a'], ['b']] })).toBeUndefined();
    expect(field({ primaryKey: [['a', 'b']] })).toBeUndefined();
    expect(field({ behaviour: 'append' })).toBeUndefined();
    expect(field({ fullResync: true })).toBeUndefined();
    expect(field({ mapper: compileMapping({ id: 'id' }) })).toBeUndefined();
    expect(field({ streamId: undefined })).toBeUndefined();
    expect(field({ primaryKey: [['a"b']] })).toBe('{"a\\"b":');
    await session.close();
  });

  it('a plan changes nothing', async () => {
    await runOnce(rows(3));
    await runOnce(rows(1), { dryRun: true });
    expect((await runOnce(rows(3))).decisions).toEqual([]);
  });
});
