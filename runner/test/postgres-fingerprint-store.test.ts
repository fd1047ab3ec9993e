import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DELIVERED, type Outcome } from '../src/diff/fingerprint-store.js';
import { PostgresFingerprintStore } from '../src/diff/postgres-fingerprint-store.js';
import { StreamDiffer, type Decision } from '../src/diff/stream-differ.js';
import { PostgresRunHistory } from '../src/history/postgres-run-history.js';
import { emptyCounts } from '../src/report/events.js';

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
  const session = await new PostgresFingerprintStore(url()).open('c', dryRun ? 'plan' : 'sync');
  const stream = await session.streamId('contacts');
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
    session,
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
  if (!dryRun) await session.record(outcomes);
  await session.close();
  return { decisions, counts: differ.counts };
}

const people = (...names: string[]) => names.map((name) => ({ email: `${name}@x.io`, name }));
const sentKeys = (decisions: readonly Decision[]) =>
  decisions.flatMap((d) => (d.kind === 'send' ? [`${d.op}:${String(d.data['email'])}`] : []));

describe('PostgresFingerprintStore', () => {
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

  it('keeps records refused for now until one is delivered', async () => {
    const session = await new PostgresFingerprintStore(url()).open('c', 'sync');
    const stream = await session.streamId('contacts');
    const kept = (email: string) => ({
      key: Buffer.alloc(16, email.length),
      hash: Buffer.alloc(8),
      matchKey: `["${email}"]`,
      data: `{"email":"${email}"}`,
    });
    await session.keepForRetry(stream, [kept('a@x.io'), kept('bb@x.io')]);
    await session.keepForRetry(stream, [kept('a@x.io')]);
    expect((await session.kept(stream, undefined, 10)).map((r) => r.matchKey)).toEqual(['["a@x.io"]', '["bb@x.io"]']);
    const delivered = kept('bb@x.io');
    await session.record([
      {
        stream,
        key: delivered.key,
        op: 'upsert',
        flags: DELIVERED,
        hash: delivered.hash,
        matchKey: delivered.matchKey,
      },
    ]);
    expect((await session.kept(stream, undefined, 10)).map((r) => r.matchKey)).toEqual(['["a@x.io"]']);
    await session.close();
  });

  it('records runs and their undelivered rows', async () => {
    const history = new PostgresRunHistory(url());
    const run = await history.start('c', '2024-07-01T00:00:00.000Z');
    await history.addRows(run, [{ stream: 's', kind: 'invalid', key: { id: 1 }, reason: 'dup', retryable: false }]);
    await history.addRows(run, [
      { stream: 's', kind: 'rejected', key: { id: 2 }, reason: '429', retryable: true, field: 'x' },
    ]);
    const totals = emptyCounts();
    await history.finish(run, {
      finishedAt: '2024-07-01T00:00:01.000Z',
      status: 'succeeded',
      exitCode: 3,
      streams: { s: totals },
      totals,
    });
    expect(await history.list({ limit: 5 })).toMatchObject([
      { id: run, status: 'succeeded', exitCode: 3, connection: 'c' },
    ]);
    expect((await history.rows(run, 0, 10)).map((r) => r.row)).toEqual([
      { stream: 's', kind: 'invalid', key: { id: 1 }, reason: 'dup', retryable: false },
      { stream: 's', kind: 'rejected', key: { id: 2 }, reason: '429', retryable: true, field: 'x' },
    ]);
    await history.close();
  });
});
