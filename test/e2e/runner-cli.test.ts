import { createInterface } from 'node:readline';
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import pg from 'pg';
import type { AirbyteStateMessage } from '@backflow/protocol';
import { PostgresStore, sync } from '@backflow/runner';
import { committedStates } from '../support/state.js';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const runner = (args: string[]) => execa(process.execPath, [RUNNER_BIN, ...args], { reject: false });

describe('runner spec/check/discover', () => {
  it('prints a spec for a local command, readably and as JSON', async () => {
    const json = await runner(['spec', '--command', fixtureCommand('source-counter'), '--json']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout).connectionSpecification.required).toEqual(['count']);
  });

  it('check reports success and a refused credential (exit 5) with the reason, secrets scrubbed', async () => {
    await writeFile(ws.path('ok.json'), JSON.stringify({ count: 1, api_key: 'good-key-123' }));
    await writeFile(ws.path('bad.yaml'), 'count: 1\napi_key: wrong\n');
    const ok = await runner(['check', '--command', fixtureCommand('source-counter'), '--config', ws.path('ok.json')]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toBe('SUCCEEDED');
    const bad = await runner(['check', '--command', fixtureCommand('source-counter'), '--config', ws.path('bad.yaml')]);
    expect(bad.exitCode).toBe(5);
    expect(bad.stdout).toBe('FAILED: api key ********** was refused');
  });

  it('discover lists the streams and their columns', async () => {
    await writeFile(ws.path('c.json'), JSON.stringify({ count: 1, streams: ['a', 'b'] }));
    const result = await runner([
      'discover',
      '--command',
      fixtureCommand('source-counter'),
      '--config',
      ws.path('c.json'),
    ]);
    expect(result.stdout).toBe('a  (id, name, amount)\nb  (id, name, amount)');
  });

  it('rejects ambiguous or unknown connectors with exit code 2 and a reason', async () => {
    const both = await runner(['spec', 'source-postgres', '--image', 'x/y:1']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('give exactly one of <connector>, --image or --command');
    const unknown = await runner(['spec', 'source-nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown connector "source-nope" \(looked in .*\); known connectors: .*destination-file/,
    );
  });

  it('has --help on every command', async () => {
    for (const command of ['spec', 'check', 'discover', 'sync']) {
      const result = await runner([command, '--help']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(`Usage: runner ${command}`);
    }
  });
});

describe('runner sync: signals', () => {
  it('SIGTERM stops both connectors, exits 130 and keeps state at the last commit', async () => {
    const file = await ws.connection('c', {
      name: 'signal',
      source: { command: fixtureCommand('source-counter'), config: { count: 100_000_000, checkpoint_every: 100 } },
      destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('out.jsonl') } },
      streams: [{ name: 'items', sync_mode: 'incremental', cursor_field: 'id' }],
      state: ws.path('state'),
    });
    // The stop commits what was sent first: no SIGKILL behind the test's back while it does.
    const child = execa(process.execPath, [RUNNER_BIN, 'sync', file, '--json'], {
      reject: false,
      forceKillAfterDelay: false,
    });
    // Wait for the first commit the runner logs, then interrupt.
    for await (const line of createInterface({ input: child.stderr! })) {
      if (line.includes('"event":"committed"')) break;
    }
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(130);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('interrupted');
    const committed = summary.streams.items.committed;
    expect(committed).toBeGreaterThan(0);
    const states = (await committedStates(ws.path('state'), 'signal')) as Record<string, AirbyteStateMessage>;
    const after = (states['stream:items']!.stream!.stream_state as { after: number }).after;
    const lines = (await readFile(ws.path('out.jsonl'), 'utf8')).trim().split('\n');
    // Everything the state says is committed is in the destination, in order.
    expect(lines.length).toBeGreaterThanOrEqual(after);
    expect(JSON.parse(lines[after - 1]!).id).toBe(after);
  });
});

describe('Postgres state store', () => {
  const admin = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
  const database = `backflow_state_${process.pid}_${Date.now()}`;
  beforeEach(async () => {
    await admin.connect();
    await admin.query(`create database ${database}`);
  });
  afterEach(async () => {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  it('keeps committed state in Postgres so a rerun resumes', async () => {
    const url = `postgres://postgres@127.0.0.1:5432/${database}`;
    const connection = (count: number) =>
      ws.connection('c', {
        name: 'pg-state',
        source: { command: fixtureCommand('source-counter'), config: { count, checkpoint_every: 50 } },
        destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('out.jsonl') } },
        streams: [{ name: 'items', sync_mode: 'incremental', cursor_field: 'id' }],
        state: url,
      });
    expect((await sync(await connection(120))).status).toBe('succeeded');
    const store = new PostgresStore(url);
    const session = await store.openPlan('pg-state');
    const states = await session.states();
    await session.close();
    await store.close();
    expect(states.map((s) => s.stream?.stream_state)).toEqual([{ after: 120 }]);
    const rerun = await sync(await connection(200));
    expect(rerun.streams['items']).toMatchObject({ read: 80, committed: 80 });
  });
});
