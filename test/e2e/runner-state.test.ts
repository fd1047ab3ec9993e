import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { EXIT_CODES } from '@backflow/runner';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const runner = (args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) =>
  execa(process.execPath, [RUNNER_BIN, ...args], { reject: false, ...options });

/** A connection reading `count` items; `state` omitted means the default, `.backflow` next to the file. */
function connection(name: string, count: number, extra: object = {}) {
  return {
    name,
    source: {
      command: fixtureCommand('source-counter'),
      config: { count, checkpoint_every: 100, api_key: '${COUNTER_KEY}' },
    },
    destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path(`${name}.jsonl`) } },
    streams: [{ name: 'items', sync_mode: 'full_refresh', behaviour: 'upsert' }],
    ...extra,
  };
}

const withKey = { env: { COUNTER_KEY: 'key-123' } };

/** Starts a sync that runs until stopped; resolves once it has committed (so it holds the lock). */
async function longRun(file: string): Promise<{ child: ResultPromise }> {
  // A SIGTERM'd run commits what it sent before it exits: no SIGKILL behind the test's back meanwhile.
  const child = execa(process.execPath, [RUNNER_BIN, 'sync', file, '--json'], {
    reject: false,
    forceKillAfterDelay: false,
    ...withKey,
  });
  for await (const line of createInterface({ input: child.stderr! })) {
    if (line.includes('"event":"committed"')) break;
  }
  // Wrapped: an async function returning the child itself would wait for it to exit.
  return { child };
}

describe('state belongs to the connection file', () => {
  it('from / or another folder, a sync finds the same fingerprints and history; runs needs no secrets', async () => {
    await mkdir(ws.path('project'));
    await mkdir(ws.path('home'));
    const file = await ws.connection('project/orders', connection('orders', 20));
    const first = await runner(['sync', file, '--json'], { cwd: '/', ...withKey });
    expect(first.exitCode).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      totals: { sent: 20 },
      state: { location: ws.path('project/.backflow') },
    });
    const second = await runner(['sync', file, '--json'], { cwd: ws.path('home'), ...withKey });
    expect(JSON.parse(second.stdout)).toMatchObject({ totals: { read: 20, unchanged: 20, sent: 0 } });
    // No COUNTER_KEY in the environment: the history needs only the file's name and state.
    const list = await runner(['runs', 'list', '-c', file, '--json'], { cwd: ws.path('home') });
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as { id: number; connection: string }[]).map((r) => [r.connection, r.id])).toEqual([
      ['orders', 2],
      ['orders', 1],
    ]);
    const shown = await runner(['runs', 'show', '1', '-c', 'project/orders.yaml'], { cwd: ws.dir });
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toMatch(/^run 1 of orders: succeeded/);
  });
});

describe('one run of a connection at a time', () => {
  it('a second run exits at once with code 6 naming the first; another connection of the directory runs', async () => {
    const shared = { state: ws.path('shared') };
    const slow = await ws.connection('slow', connection('slow', 100_000_000, shared));
    const quick = await ws.connection('quick', connection('quick', 50, shared));
    const { child: first } = await longRun(slow);
    const second = await runner(['sync', slow, '--json'], withKey);
    expect(second.exitCode).toBe(EXIT_CODES.locked);
    expect(JSON.parse(second.stdout).error.message).toMatch(
      new RegExp(`connection "slow" is already running \\(run 1, pid ${first.pid}, host .+, since \\d{4}-.+\\)`),
    );
    const other = await runner(['sync', quick, '--json'], withKey);
    expect(other.exitCode).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ totals: { sent: 50, committed: 50 } });
    first.kill('SIGTERM');
    expect((await first).exitCode).toBe(EXIT_CODES.interrupted);
    const runs = await runner(['runs', 'list', '--state', ws.path('shared'), '--json']);
    expect((JSON.parse(runs.stdout) as { connection: string }[]).map((r) => r.connection).sort()).toEqual([
      'quick',
      'slow',
    ]);
  });

  it('the lock of a runner killed with SIGKILL is taken over by the next run, which records it as failed', async () => {
    const slow = await ws.connection('slow', connection('slow', 100_000_000));
    const { child: first } = await longRun(slow);
    first.kill('SIGKILL');
    await first;
    const small = await ws.connection('slow', connection('slow', 10));
    const next = await runner(['sync', small, '--json'], withKey);
    expect(next.exitCode).toBe(0);
    const runs = await runner(['runs', 'list', '-c', small, '--json']);
    expect(JSON.parse(runs.stdout)).toMatchObject([
      { id: 2, status: 'succeeded' },
      { id: 1, status: 'failed', error: expect.stringContaining(`pid ${first.pid}`) },
    ]);
  });

  it('with Postgres state too; a killed run’s lock is taken over by the next run', async () => {
    const db: TestDatabase = await createTestDatabase('backflow_lock');
    try {
      const file = await ws.connection('pg', connection('pg', 100_000_000, { state: db.url }));
      const { child: first } = await longRun(file);
      const second = await runner(['sync', file, '--json'], withKey);
      expect(second.exitCode).toBe(EXIT_CODES.locked);
      expect(JSON.parse(second.stdout).error.message).toMatch(`already running (run 1, pid ${first.pid}, host `);
      first.kill('SIGKILL');
      await first;
      const small = await ws.connection('pg', connection('pg', 10, { state: db.url }));
      const third = await runner(['sync', small, '--json'], withKey);
      expect(third.exitCode).toBe(0);
      const [dead] = await db.sql<{ status: string; error: string }>(
        'select status, error from backflow.runs where id = 1',
      );
      expect(dead).toMatchObject({ status: 'failed', error: expect.stringMatching(/taken over/) });
    } finally {
      await db.drop();
    }
  });
});
