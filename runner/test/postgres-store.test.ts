import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DELIVERED, type Outcome } from '../src/diff/fingerprint-session.js';
import { legacyTextHash, textHash } from '../src/diff/fingerprint.js';
import { StreamDiffer, type Decision } from '../src/diff/stream-differ.js';
import { AlreadyRunningError } from '../src/errors.js';
import { emptyCounts } from '../src/report/events.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import type { SyncSession } from '../src/store/types.js';

const SERVER = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;
let database: string;

async function admin(sql: string) {
  const client = new pg.Client({ ...SERVER, database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeEach(async () => {
  database = `backflow_fp_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${database}`);
});
afterEach(async () => {
  await admin(`drop database if exists ${database} with (force)`);
});

const url = () => `postgres://${SERVER.user}@${SERVER.host}:${SERVER.port}/${database}`;

/** One run: the differ over `input`, every send confirmed unless `refuse` says so. */
async function runOnce(
  input: readonly Record<string, unknown>[],
  refuse: (d: Decision) => boolean = () => false,
  dryRun = false,
) {
  const store = new PostgresStore(url());
  const session = dryRun ? await store.openPlan('c') : await store.openSync('c');
  const stream = await session.fingerprints.streamId('contacts');
  const differ = new StreamDiffer(
    {
      stream: 'contacts',
      streamId: stream,
      behaviour: 'mirror',
      primaryKey: [['email']],
      matchingKeys: [['email']],
      mapper: undefined,
      detectRemoved: true,
      fullResync: false,
      dryRun,
    },
    session.fingerprints,
    emptyCounts(),
  );
  const decisions: Decision[] = [];
  for (const row of input) {
    decisions.push(...differ.add(row));
    if (differ.queued >= 2) decisions.push(...(await differ.flush()));
  }
  for await (const batch of differ.finishRead(true)) decisions.push(...batch);
  const outcomes: Outcome[] = decisions.flatMap((d): Outcome[] => {
    if (d.kind !== 'send') return [];
    const base = { stream, key: d.key!, hash: d.hash, matchKey: d.matchKey };
    return [
      refuse(d) ? { ...base, op: 'reject', flags: 0, reason: 'bad email' } : { ...base, op: d.op, flags: DELIVERED },
    ];
  });
  if (!dryRun) await (session as SyncSession).commit({ outcomes });
  await session.close();
  await store.close();
  return { decisions, counts: differ.counts };
}

const people = (...names: string[]) => names.map((name) => ({ email: `${name}@x.io`, name }));
const sentKeys = (decisions: readonly Decision[]) =>
  decisions.flatMap((d) => (d.kind === 'send' ? [`${d.op}:${String(d.data['email'])}`] : []));

describe('PostgresStore', () => {
  it('diffs string keys in batches, detects removals, remembers refusals, and a plan changes nothing', async () => {
    const first = await runOnce(people('ada', 'bob', 'cy', 'dee'), (d) => d.kind === 'send' && d.data['name'] === 'cy');
    expect(first.counts).toMatchObject({ added: 4 });

    const planned = await runOnce([...people('ada', 'cy'), { email: 'bob@x.io', name: 'Bob' }], undefined, true);
    expect(sentKeys(planned.decisions)).toEqual(['upsert:bob@x.io', 'delete:dee@x.io']);

    const second = await runOnce([...people('ada', 'cy', 'ed'), { email: 'bob@x.io', name: 'Bob' }, ...people('ada')]);
    expect(second.counts).toMatchObject({ added: 1, changed: 1, unchanged: 2, removed: 1, invalid: 1 });
    expect(sentKeys(second.decisions).sort()).toEqual(['delete:dee@x.io', 'upsert:bob@x.io', 'upsert:ed@x.io']);
    expect(second.decisions.filter((d) => d.kind === 'still-rejected')).toEqual([
      {
        kind: 'still-rejected',
        key: { email: 'cy@x.io' },
        reason: 'unchanged since the destination refused it: bad email',
      },
    ]);

    const third = await runOnce(people('ada'));
    expect(sentKeys(third.decisions).sort()).toEqual(['delete:bob@x.io', 'delete:ed@x.io']);
  });

  it('stores the MurmurHash of the row JSON, and rows stamped by earlier runners (MD5) still match', async () => {
    const rows = people('ada', 'bob');
    await runOnce(rows);
    const texts = rows.map((row) => JSON.stringify(row));
    const client = new pg.Client({ ...SERVER, database });
    await client.connect();
    const matching = async (hashes: readonly string[]) =>
      (
        await client.query(
          `select count(*)::int as n from backflow.fingerprints fp
             join unnest($1::text[]) as j(hash) on fp.r = decode(j.hash, 'hex')`,
          [hashes],
        )
      ).rows;
    try {
      expect(await matching(texts.map(textHash))).toEqual([{ n: 2 }]);
      // As a store written before MurmurHash holds them: the first 8 bytes of the MD5.
      for (const text of texts)
        await client.query(`update backflow.fingerprints set r = decode($1, 'hex') where r = decode($2, 'hex')`, [
          legacyTextHash(text),
          textHash(text),
        ]);
      expect(await matching(texts.map(legacyTextHash))).toEqual([{ n: 2 }]);
    } finally {
      await client.end();
    }
    expect((await runOnce(rows)).counts).toMatchObject({ unchanged: 2, sent: 0 });
  });

  it('keeps records refused for now until one is delivered', async () => {
    const store = new PostgresStore(url());
    const session = await store.openSync('c');
    const stream = await session.fingerprints.streamId('contacts');
    const kept = (email: string) => ({
      key: Buffer.alloc(16, email.length),
      hash: Buffer.alloc(8).toString('hex'),
      matchKey: `["${email}"]`,
      data: `{"email":"${email}"}`,
    });
    await session.commit({ kept: [{ stream, records: [kept('a@x.io'), kept('bb@x.io')] }] });
    await session.commit({ kept: [{ stream, records: [kept('a@x.io')] }] });
    const keptNow = async () => (await session.fingerprints.kept(stream, undefined, 10)).map((r) => r.matchKey);
    expect(await keptNow()).toEqual(['["a@x.io"]', '["bb@x.io"]']);
    const delivered = kept('bb@x.io');
    await session.commit({
      outcomes: [
        {
          stream,
          key: delivered.key,
          op: 'upsert',
          flags: DELIVERED,
          hash: delivered.hash,
          matchKey: delivered.matchKey,
        },
      ],
    });
    expect(await keptNow()).toEqual(['["a@x.io"]']);
    await session.close();
    await store.close();
  });

  it('records runs, their undelivered rows and their counts at each commit', async () => {
    const store = new PostgresStore(url());
    const session = await store.openSync('c');
    const run = await session.startRun('2024-07-01T00:00:00.000Z');
    const counts = { s: { ...emptyCounts(), read: 7 } };
    await session.commit({
      rows: [{ stream: 's', kind: 'invalid', key: { id: 1 }, reason: 'dup', retryable: false }],
      counts,
    });
    expect(await store.findRuns(run)).toMatchObject([{ id: run, status: 'running', streams: counts }]);
    await session.commit({
      rows: [{ stream: 's', kind: 'rejected', key: { id: 2 }, reason: '429', retryable: true, field: 'x' }],
    });
    const totals = emptyCounts();
    await session.finishRun({
      finishedAt: '2024-07-01T00:00:01.000Z',
      status: 'succeeded',
      exitCode: 3,
      streams: { s: totals },
      totals,
    });
    await session.close();
    expect(await store.listRuns({ limit: 5 })).toMatchObject([
      { id: run, status: 'succeeded', exitCode: 3, connection: 'c' },
    ]);
    const ref = { connection: 'c', id: run };
    expect((await store.runRows(ref, 0, 10)).map((r) => r.row)).toEqual([
      { stream: 's', kind: 'invalid', key: { id: 1 }, reason: 'dup', retryable: false },
      { stream: 's', kind: 'rejected', key: { id: 2 }, reason: '429', retryable: true, field: 'x' },
    ]);
    expect(await store.countRunRows(ref)).toBe(2);
    await store.close();
  });
});

const T0 = Date.parse('2026-01-01T00:00:00Z');
const identity = (pid: number, now = T0) => ({ pid, host: hostname(), now: () => now, alive: () => true });
const state = (after: number | bigint) => ({
  type: 'STREAM' as const,
  stream: { stream_descriptor: { name: 'items' }, stream_state: { after } },
});

/** Waits for a condition the server reaches on its own (a dead client's session ending). */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('PostgresStore: one run of a connection at a time', () => {
  it('a second run fails at once naming the first; two connections run side by side', async () => {
    const first = new PostgresStore(url(), identity(100));
    const second = new PostgresStore(url(), identity(200));
    const running = await first.openSync('c');
    const run = await running.startRun('2026-01-01T00:00:00.000Z');
    const other = await second.openSync('other');
    await expect(second.openSync('c')).rejects.toThrow(
      new AlreadyRunningError('c', { run, pid: 100, host: hostname(), since: '2026-01-01T00:00:00.000Z' }).message,
    );
    await expect(second.openSync('c')).rejects.toMatchObject({ exitCode: 6 });
    expect(await second.lockHolder('c')).toMatchObject({ run, pid: 100 });
    await running.close();
    await other.close();
    expect(await second.lockHolder('c')).toBeUndefined();
    await (await second.openSync('c')).close();
    await Promise.all([first.close(), second.close()]);
  });

  it('sees the holder of any connection name (advisory lock keys are hashes, negative ones too)', async () => {
    const store = new PostgresStore(url());
    // hashtext('b') is negative, hashtext('c') positive.
    for (const name of ['b', 'c']) {
      const session = await store.openSync(name);
      expect(await store.lockHolder(name)).toMatchObject({ pid: process.pid });
      await session.close();
      expect(await store.lockHolder(name)).toBeUndefined();
    }
    await store.close();
  });

  it('the lock of a killed runner is free as soon as its session ends, and its run is marked failed', async () => {
    const script = `
      const { PostgresStore } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const session = await new PostgresStore(${JSON.stringify(url())}).openSync('c');
      const run = await session.startRun(new Date().toISOString());
      process.stdout.write(run + '\\n');
      setInterval(() => {}, 1000);`;
    const child = execa(process.execPath, ['--input-type=module', '-e', script], { reject: false });
    const [line] = await once(createInterface({ input: child.stdout! }), 'line');
    child.kill('SIGKILL');
    await child;
    const store = new PostgresStore(url());
    await until(async () => (await store.lockHolder('c')) === undefined, 'the killed runner’s session to end');
    const session = await store.openSync('c');
    expect(await store.findRuns(Number(line))).toMatchObject([
      { status: 'failed', error: expect.stringMatching(/taken over/) },
    ]);
    await session.close();
    await store.close();
  });

  it('a holder whose heartbeat stopped is ended and its lock taken over', async () => {
    const frozen = new PostgresStore(url(), identity(100));
    const held = await frozen.openSync('c');
    const fresh = new PostgresStore(url(), identity(200, T0 + 60_000));
    await expect(fresh.openSync('c')).rejects.toThrow(AlreadyRunningError);
    const later = new PostgresStore(url(), identity(200, T0 + 6 * 60_000));
    const session = await later.openSync('c');
    expect(session.lock).toMatchObject({ pid: 200 });
    await expect(held.states()).rejects.toThrow();
    await expect(held.close()).rejects.toThrow();
    await session.close();
    await Promise.all([frozen.close(), fresh.close(), later.close()]);
  });
});

describe('PostgresStore: commits and the earlier layout', () => {
  it('a commit that fails half way leaves the states, fingerprints and history as they were', async () => {
    const store = new PostgresStore(url());
    const session = await store.openSync('c');
    const run = await session.startRun('2026-01-01T00:00:00.000Z');
    const stream = await session.fingerprints.streamId('items');
    const delivered = (key: number) => ({
      stream,
      key,
      op: 'upsert' as const,
      flags: DELIVERED,
      hash: Buffer.alloc(8, key).toString('hex'),
      matchKey: `[${key}]`,
    });
    await session.commit({ states: [state(1)], outcomes: [delivered(1)] });
    await expect(
      session.commit({
        outcomes: [delivered(2)],
        rows: [{ stream: 'items', kind: 'invalid', key: { id: 9 }, reason: 'x', retryable: false }],
        states: [state(2n) as never],
      }),
    ).rejects.toThrow(/BigInt/);
    expect((await session.states()).map((s) => s.stream?.stream_state)).toEqual([{ after: 1 }]);
    expect([...(await session.fingerprints.lookup(stream, [1, 2])).keys()]).toEqual(['1']);
    expect(await store.countRunRows({ connection: 'c', id: run })).toBe(0);
    await session.close();
    await store.close();
  });

  it('moves the tables of the earlier layout into the schema on first open', async () => {
    const client = new pg.Client(url());
    await client.connect();
    await client.query(`
      create table backflow_state (connection text not null, stream_key text not null, state jsonb not null,
        committed_at timestamptz not null, primary key (connection, stream_key));
      insert into backflow_state values ('c', 'stream:items', '{"type":"STREAM","stream":{"stream_descriptor":{"name":"items"},"stream_state":{"after":7}}}', now());
      create table backflow_runs (id bigserial primary key, connection text not null, started_at timestamptz not null,
        finished_at timestamptz, status text not null, exit_code integer, streams jsonb not null, totals jsonb, error text);
      insert into backflow_runs (connection, started_at, status, streams) values ('c', now(), 'succeeded', '{}');`);
    const store = new PostgresStore(url());
    const session = await store.openSync('c');
    expect((await session.states()).map((s) => s.stream?.stream_state)).toEqual([{ after: 7 }]);
    expect(await session.startRun(new Date().toISOString())).toBe(2);
    await session.close();
    expect((await store.listRuns({ connection: 'c', limit: 5 })).map((r) => r.id)).toEqual([2, 1]);
    const { rows } = await client.query(`select to_regclass('backflow_state') as t`);
    expect(rows).toEqual([{ t: null }]);
    await client.end();
    await store.close();
  });
});
