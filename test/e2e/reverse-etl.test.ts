import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

// Reverse ETL end to end: a Postgres model read by source-postgres (built dist), diffed by
// the runner, written to the recorder fixture, which logs exactly what it committed.

const ROWS = 1000;

interface Logged {
  stream: string;
  op: 'upsert' | 'delete';
  key: Record<string, unknown>;
  data: Record<string, unknown>;
}

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let db: TestDatabase;

beforeEach(async () => {
  ws = await tempWorkspace('backflow-retl-');
  db = await createTestDatabase('backflow_retl');
  await db.sql(`create table customers (
    id integer primary key, email text not null, first_name text, last_name text, score text, active text, signed_up text)`);
  await db.sql(
    `insert into customers select i, 'user' || i || '@example.com', 'First' || i, 'Last' || i, (i * 3)::text,
       case when i % 2 = 0 then 'yes' else 'no' end, '2024-01-01'
     from generate_series(1, $1::int) i`,
    [ROWS],
  );
});

afterEach(async () => {
  await db.drop();
  await ws.cleanup();
});

function connection(stream: object = {}, destination: object = {}, extra: object = {}) {
  return {
    name: 'customers-to-recorder',
    source: {
      connector: 'source-postgres',
      config: {
        ...db.config,
        tables: [],
        models: [{ name: 'customers', sql: 'select * from customers', primary_key: ['id'] }],
      },
    },
    destination: {
      command: fixtureCommand('destination-recorder'),
      config: { path: ws.path('received.jsonl'), ...destination },
    },
    streams: [{ name: 'customers', behaviour: 'upsert', ...stream }],
    state: ws.path('state'),
    checkpoint_every: 200,
    retries: { rounds: 0 },
    ...extra,
  };
}

const run = async (stream: object = {}, destination: object = {}, extra: object = {}, options: object = {}) =>
  sync(await ws.connection('c', connection(stream, destination, extra)), options);

async function received(): Promise<Logged[]> {
  const text = await readFile(ws.path('received.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Logged);
}

/** What the destination holds after applying its log in order: key → record. */
function replay(log: readonly Logged[], keyField = 'id'): Map<unknown, Record<string, unknown>> {
  const state = new Map<unknown, Record<string, unknown>>();
  for (const entry of log) {
    const key = entry.data[keyField];
    if (entry.op === 'delete') state.delete(key);
    else state.set(key, entry.data);
  }
  return state;
}

async function model(): Promise<Map<unknown, Record<string, unknown>>> {
  const rows = await db.sql('select * from customers order by id');
  return new Map(rows.map((row) => [row['id'], row]));
}

const ids = (log: readonly Logged[]) => log.map((entry) => entry.data['id'] as number).sort((a, b) => a - b);

describe('reverse ETL: diff-based syncs', () => {
  it('sends everything first, nothing when unchanged, exactly the changed 1% after an update', async () => {
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.streams['customers']).toMatchObject({
      read: ROWS,
      added: ROWS,
      sent: ROWS,
      committed: ROWS,
      changed: 0,
    });
    expect((await received()).length).toBe(ROWS);

    const unchanged = await run();
    expect(unchanged.streams['customers']).toMatchObject({
      read: ROWS,
      unchanged: ROWS,
      added: 0,
      changed: 0,
      sent: 0,
    });
    expect((await received()).length).toBe(ROWS);

    await db.sql(`update customers set score = score || '.5' where id % 100 = 7`);
    const changed = await run();
    expect(changed.streams['customers']).toMatchObject({ changed: 10, unchanged: ROWS - 10, sent: 10, committed: 10 });
    const log = await received();
    expect(ids(log.slice(ROWS))).toEqual(Array.from({ length: 10 }, (_, i) => i * 100 + 7));
    expect(replay(log)).toEqual(await model());
  });

  it('mirror deletes exactly the removed rows Backflow delivered, never a key it did not deliver', async () => {
    const mirror = { behaviour: 'mirror' };
    // Row 13 is refused for good: it is never delivered, so its removal sends no delete.
    const first = await run(mirror, { reject_keys: [13] });
    expect(first.streams['customers']).toMatchObject({ sent: ROWS, committed: ROWS - 1, rejected: 1 });
    await db.sql('delete from customers where id in (2, 13, 500, 999)');
    const second = await run(mirror, { reject_keys: [13] });
    expect(second.status).toBe('succeeded');
    expect(second.streams['customers']).toMatchObject({ removed: 3, sent: 3, committed: 3, unchanged: ROWS - 4 });
    const log = await received();
    const deletes = log.filter((entry) => entry.op === 'delete');
    expect(deletes.map((entry) => entry.data)).toEqual([{ id: 2 }, { id: 500 }, { id: 999 }]);
    expect(replay(log)).toEqual(await model());
    const again = await run(mirror);
    expect(again.streams['customers']).toMatchObject({ removed: 0, sent: 0 });
  });

  it('diffs a model whose rows come in no key order (a join’s) exactly: added, changed, removed, unchanged', async () => {
    // Enough rows for many reads of the source's output, so that the store reads keys ahead.
    const rows = 20_000;
    await db.sql(
      `insert into customers select i, 'user' || i || '@example.com', 'First' || i, 'Last' || i, (i * 3)::text, 'no', '2024-01-01'
       from generate_series($1::int, $2::int) i`,
      [ROWS + 1, rows],
    );
    const scattered = {
      source: {
        connector: 'source-postgres',
        config: {
          ...db.config,
          tables: [],
          models: [{ name: 'customers', sql: 'select * from customers order by md5(id::text)', primary_key: ['id'] }],
        },
      },
    };
    const mirror = { behaviour: 'mirror' };
    const first = await run(mirror, {}, scattered);
    expect(first.streams['customers']).toMatchObject({ read: rows, added: rows, sent: rows, committed: rows });
    await db.sql(`update customers set score = score || '.5' where id % 100 = 7`);
    await db.sql('delete from customers where id % 1000 = 3');
    await db.sql(
      `insert into customers select i, 'new' || i || '@example.com', 'F', 'L', '1', 'yes', '2024-02-01'
       from generate_series($1::int, $2::int) i`,
      [rows + 1, rows + 50],
    );
    const second = await run(mirror, {}, scattered);
    expect(second.streams['customers']).toMatchObject({
      read: rows + 50 - 20,
      added: 50,
      changed: 200,
      removed: 20,
      unchanged: rows - 200 - 20,
      sent: 270,
      committed: 270,
    });
    expect(replay(await received())).toEqual(await model());
    const third = await run(mirror, {}, scattered);
    expect(third.streams['customers']).toMatchObject({ unchanged: rows + 30, sent: 0, removed: 0 });
  });

  it('a rejected row is sent again next run, and its fingerprint advances only once accepted', async () => {
    const refused = await run({}, { retry_keys: [21] });
    expect(refused.exitCode).toBe(EXIT_CODES.rejected);
    expect(refused.rejections).toEqual([
      { stream: 'customers', key: { id: 21 }, reason: 'key 21 is rate limited (attempt 1)', retryable: true },
    ]);
    const retried = await run({}, { retry_keys: [21] });
    expect(retried.streams['customers']).toMatchObject({ added: 1, sent: 1, rejected: 1 });
    const accepted = await run();
    expect(accepted.streams['customers']).toMatchObject({ added: 1, sent: 1, committed: 1, rejected: 0 });
    expect(accepted.exitCode).toBe(EXIT_CODES.success);
    const settled = await run();
    expect(settled.streams['customers']).toMatchObject({ sent: 0, unchanged: ROWS });
    expect(replay(await received())).toEqual(await model());
  });

  it('an incremental stream keeps a row refused for now and resends it next run, though the read does not return it', async () => {
    const incremental = { sync_mode: 'incremental', cursor_field: 'id' };
    const refused = await run(incremental, { retry_keys: [21] });
    expect(refused.streams['customers']).toMatchObject({ read: ROWS, rejected: 1 });
    const resent = await run(incremental);
    expect(resent.streams['customers']).toMatchObject({ read: 0, sent: 1, committed: 1, rejected: 0 });
    expect((await received()).at(-1)).toMatchObject({ op: 'upsert', data: { id: 21 } });
    expect((await run(incremental)).streams['customers']).toMatchObject({ read: 0, sent: 0 });
    expect(replay(await received())).toEqual(await model());
  });

  it('retries retryable rejections within the run, with a bounded number of rounds', async () => {
    const summary = await run(
      {},
      { retry_keys: [5, 6], retry_times: 2 },
      { retries: { rounds: 3, backoff_seconds: 0.01 } },
    );
    expect(summary.exitCode).toBe(EXIT_CODES.success);
    expect(summary.streams['customers']).toMatchObject({ sent: ROWS + 4, committed: ROWS, rejected: 0 });
    const bounded = await run(
      {},
      { retry_keys: [5], retry_times: 10 },
      { retries: { rounds: 2, backoff_seconds: 0.01 }, name: 'other' },
    );
    expect(bounded.streams['customers']).toMatchObject({ sent: ROWS + 2, rejected: 1 });
  });

  it('a row refused for good is reported every run but resent only when its data changes', async () => {
    await run({}, { reject_keys: [7] });
    const second = await run({}, { reject_keys: [7] });
    expect(second.exitCode).toBe(EXIT_CODES.rejected);
    expect(second.streams['customers']).toMatchObject({ sent: 0, rejected: 1 });
    expect(second.rejections[0]).toMatchObject({
      key: { id: 7 },
      retryable: false,
      reason: expect.stringMatching(/key 7 is refused/),
    });
    await db.sql(`update customers set email = 'fixed7@example.com' where id = 7`);
    const fixed = await run();
    expect(fixed.streams['customers']).toMatchObject({ changed: 0, added: 1, sent: 1, committed: 1, rejected: 0 });
    expect(replay(await received())).toEqual(await model());
  });

  it('reports duplicate primary keys as invalid rows and sends each key once', async () => {
    const models = [
      {
        name: 'customers',
        sql: 'select * from customers union all select * from customers where id in (3, 4)',
        primary_key: ['id'],
      },
    ];
    const file = connection();
    (file.source.config as Record<string, unknown>)['models'] = models;
    const summary = await sync(await ws.connection('c', file));
    expect(summary.exitCode).toBe(EXIT_CODES.invalidRows);
    expect(summary.streams['customers']).toMatchObject({ read: ROWS + 2, invalid: 2, sent: ROWS });
    expect(summary.invalid.map((row) => row.key).sort((a, b) => Number(a['id']) - Number(b['id']))).toEqual([
      { id: 3 },
      { id: 4 },
    ]);
    expect(summary.invalid[0]!.reason).toMatch(/duplicate primary key/);
    expect(ids(await received())).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
  });

  it('--full-resync resends everything and rebuilds the fingerprints', async () => {
    await run();
    const resync = await run({}, {}, {}, { fullResync: true });
    expect(resync.streams['customers']).toMatchObject({ unchanged: ROWS, sent: ROWS, committed: ROWS });
    expect((await run()).streams['customers']).toMatchObject({ sent: 0 });
  });

  it('refuses mirror on an incremental stream at config time', async () => {
    const summary = await run({ behaviour: 'mirror', sync_mode: 'incremental', cursor_field: 'id' });
    expect(summary.exitCode).toBe(EXIT_CODES.invalid);
    expect(summary.error?.message).toMatch(/mirror needs sync_mode full_refresh/);
    expect(existsSync(ws.path('received.jsonl'))).toBe(false);
  });
});

describe('reverse ETL: field mapping', () => {
  const mapping = {
    email: 'email',
    full_name: { template: '{{ first_name }} {{ last_name }}' },
    source: { value: 'backflow' },
    'address.city': { value: 'Paris' },
    points: { from: 'score', type: 'integer' },
    subscribed: { from: 'active', type: 'boolean' },
    signed_up: { from: 'signed_up', type: 'date' },
  };
  const fields = { contacts: ['email', 'full_name', 'source', 'address', 'points', 'subscribed', 'signed_up'] };

  it('maps columns, constants, templates, nested paths and types; only mapped fields count', async () => {
    const stream = { destination: 'contacts', matching_keys: ['email'], mapping };
    const first = await run(stream, { fields });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('succeeded');
    const log = await received();
    expect(log[0]).toEqual({
      stream: 'customers',
      op: 'upsert',
      key: { email: 'user1@example.com' },
      data: {
        email: 'user1@example.com',
        full_name: 'First1 Last1',
        source: 'backflow',
        address: { city: 'Paris' },
        points: 3,
        subscribed: false,
        signed_up: '2024-01-01',
      },
    });
    await db.sql(`update customers set id = id where id = 1`);
    await db.sql(`alter table customers add column unmapped text default 'x'`);
    expect((await run(stream, { fields })).streams['customers']).toMatchObject({ sent: 0, unchanged: ROWS });
  });

  it('a mapping to a field the destination does not have fails before anything is sent', async () => {
    const summary = await run(
      { destination: 'contacts', matching_keys: ['email'], mapping: { ...mapping, nickname: 'first_name' } },
      { fields },
    );
    expect(summary.exitCode).toBe(EXIT_CODES.invalid);
    expect(summary.error?.message).toMatch(/destination object "contacts" has no field "nickname"/);
    expect(existsSync(ws.path('received.jsonl'))).toBe(false);
  });

  it('a failed type conversion rejects the row as invalid, naming the field', async () => {
    await db.sql(`update customers set score = 'n/a' where id = 42`);
    const summary = await run({ destination: 'contacts', matching_keys: ['email'], mapping }, { fields });
    expect(summary.error).toBeUndefined();
    expect(summary.exitCode).toBe(EXIT_CODES.invalidRows);
    expect(summary.streams['customers']).toMatchObject({ invalid: 1, sent: ROWS - 1 });
    expect(summary.invalid).toEqual([
      {
        stream: 'customers',
        kind: 'invalid',
        key: { id: 42 },
        reason: 'points: "n/a" is not a number',
        retryable: false,
        field: 'points',
      },
    ]);
    expect((await received()).some((entry) => entry.key['email'] === 'user42@example.com')).toBe(false);
  });
});

describe('reverse ETL: crashes, plan and run history', () => {
  it('after kill -9 of the destination mid-run, a rerun leaves the destination equal to the model', async () => {
    const mirror = { behaviour: 'mirror' };
    await run(mirror);
    await db.sql(`update customers set score = 'v2-' || id where id % 3 = 0`);
    await db.sql('delete from customers where id % 10 = 1');
    const crashed = await run(mirror, { kill_after: 250 });
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.message).toMatch(/killed by SIGKILL/);
    const rerun = await run(mirror);
    expect(rerun.status).toBe('succeeded');
    expect(replay(await received())).toEqual(await model());
    expect((await run(mirror)).streams['customers']).toMatchObject({ sent: 0 });
  });

  it('plan prints the counts a sync would send, changes nothing, and the sync then does exactly that', async () => {
    const mirror = { behaviour: 'mirror' };
    await run(mirror);
    await db.sql(`update customers set first_name = 'Changed' where id in (10, 20, 30)`);
    await db.sql('delete from customers where id in (40, 50)');
    await db.sql(`insert into customers values (1001, 'n1@example.com', 'N', 'One', '1', 'yes', '2024-02-01'),
      (1002, 'n2@example.com', 'N', 'Two', '2', 'no', '2024-02-02')`);
    const file = await ws.connection('c', connection(mirror));
    const before = (await received()).length;
    for (let i = 0; i < 2; i++) {
      const planned = await execa(process.execPath, [RUNNER_BIN, 'plan', file, '--json'], { reject: false });
      expect(planned.exitCode).toBe(0);
      const summary = JSON.parse(planned.stdout);
      expect(summary.streams['customers']).toMatchObject({ creates: 2, updates: 3, deletes: 2 });
      expect(summary.streams['customers'].samples.deletes.map((row: { key: object }) => row.key)).toEqual([
        { id: 40 },
        { id: 50 },
      ]);
    }
    expect((await received()).length).toBe(before);
    const text = await execa(process.execPath, [RUNNER_BIN, 'plan', file], { reject: false });
    expect(text.stdout).toMatch(/customers \(mirror\): 2 to create, 3 to update, 2 to delete/);
    const synced = await sync(file);
    expect(synced.streams['customers']).toMatchObject({ added: 2, changed: 3, removed: 2, sent: 7 });
  });

  it('records every run; runs list shows them newest first and runs show exports rejected rows', async () => {
    await run({}, { reject_keys: [8, 9] });
    await db.sql(`update customers set email = null where false`);
    const second = await run({}, { reject_keys: [8, 9] });
    const state = ws.path('state');
    const list = await execa(process.execPath, [RUNNER_BIN, 'runs', 'list', '--state', state, '--json']);
    const runs = JSON.parse(list.stdout) as {
      id: number;
      status: string;
      totals: { rejected: number; read: number };
    }[];
    expect(runs.map((r) => r.id)).toEqual([second.run, second.run! - 1]);
    expect(runs[0]).toMatchObject({ status: 'succeeded', totals: { read: ROWS, rejected: 2 } });
    const csv = await execa(process.execPath, [
      RUNNER_BIN,
      'runs',
      'show',
      String(second.run),
      '--state',
      state,
      '--format',
      'csv',
    ]);
    expect(csv.stdout.split('\n')).toEqual([
      'run,stream,kind,key,reason,retryable,field',
      `${second.run},customers,rejected,"{""id"":8}",unchanged since the destination refused it: key 8 is refused,false,id`,
      `${second.run},customers,rejected,"{""id"":9}",unchanged since the destination refused it: key 9 is refused,false,id`,
    ]);
    await execa(process.execPath, [
      RUNNER_BIN,
      'runs',
      'show',
      String(second.run),
      '--state',
      state,
      '--format',
      'json',
      '--output',
      ws.path('rows.json'),
    ]);
    const rows = JSON.parse(await readFile(ws.path('rows.json'), 'utf8'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ run: second.run, kind: 'rejected', key: { id: 8 }, retryable: false });
    const shown = await execa(process.execPath, [RUNNER_BIN, 'runs', 'show', String(second.run), '--state', state]);
    expect(shown.stdout).toMatch(/undelivered rows \(2;/);
  });

  it('keeps fingerprints and run history in Postgres when the state is a postgres:// URL', async () => {
    const mirror = { behaviour: 'mirror' };
    expect((await run(mirror, {}, { state: db.url })).streams['customers']).toMatchObject({ sent: ROWS });
    await db.sql(`update customers set last_name = 'New' where id <= 10`);
    await db.sql('delete from customers where id > 995');
    const second = await run(mirror, {}, { state: db.url });
    expect(second.streams['customers']).toMatchObject({ changed: 10, removed: 5, sent: 15 });
    expect(replay(await received())).toEqual(await model());
    const [fingerprints] = await db.sql('select count(*)::int as n from backflow.fingerprints');
    expect(fingerprints).toEqual({ n: ROWS - 5 });
    const [runs] = await db.sql('select count(*)::int as n from backflow.runs');
    expect(runs).toEqual({ n: 2 });
  });
});
