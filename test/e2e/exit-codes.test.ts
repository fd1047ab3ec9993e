import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { openStore } from '@backflow/runner';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const runner = (args: string[]) => execa(process.execPath, [RUNNER_BIN, ...args], { reject: false });

/** A connection from source-counter (3 rows) into destination-jsonl, with overrides. */
function connection(source: object = {}, destination: object = {}, extra: object = {}) {
  return {
    name: 'codes',
    source: { command: fixtureCommand('source-counter'), config: { count: 3, ...source } },
    destination: {
      command: fixtureCommand('destination-jsonl'),
      config: { path: ws.path('out.jsonl'), ...destination },
    },
    streams: [{ name: 'items', sync_mode: 'full_refresh' }],
    state: ws.path('state'),
    ...extra,
  };
}

async function syncJson(content: object) {
  const result = await runner(['sync', await ws.connection('codes', content), '--json']);
  return { ...result, summary: result.stdout ? JSON.parse(result.stdout) : undefined };
}

describe('runner exit codes, one test per documented code', () => {
  it('0: success', async () => {
    const { exitCode, summary } = await syncJson(connection());
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({ status: 'succeeded', exitCode: 0 });
  });

  it('1: a connector fails during the sync', async () => {
    const { exitCode, summary, stderr } = await syncJson(connection({ fail_after: 1 }));
    expect(exitCode).toBe(1);
    // Off a terminal the log is JSON lines: one lower-case set of levels, relayed connector
    // logs included, and the `finished` event at level error says why.
    const log = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    for (const entry of log) expect(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).toContain(entry.level);
    expect(log.some((entry) => entry.event === 'log' && entry.origin !== 'runner')).toBe(true);
    expect(log.at(-1)).toMatchObject({
      event: 'finished',
      level: 'error',
      status: 'failed',
      error: { connector: expect.stringContaining('source-counter'), failureType: 'system_error' },
    });
    expect(summary.error).toMatchObject({
      failureType: 'system_error',
      message: expect.stringMatching(/failing after 1/),
    });
  });

  it('2: invalid usage or configuration, everywhere', async () => {
    expect((await runner([])).exitCode).toBe(2);
    expect((await runner([])).stderr).toContain('Usage: runner');
    expect((await runner(['spec', 'source-nope'])).exitCode).toBe(2);
    // A misspelt field, a mistyped one: sync and check refuse them alike.
    const misspelt = await syncJson(connection({ cuont: 3 }));
    expect(misspelt.exitCode).toBe(2);
    expect(misspelt.summary.error.message).toMatch(/invalid source config .*cuont/);
    await ws.connection('cfg', { count: 'three' });
    const check = await runner([
      'check',
      '--command',
      fixtureCommand('source-counter'),
      '--config',
      ws.path('cfg.yaml'),
      '--json',
    ]);
    expect(check.exitCode).toBe(2);
    expect(JSON.parse(check.stdout)).toMatchObject({
      status: 'FAILED',
      exitCode: 2,
      message: expect.stringMatching(/count/),
    });
    const badFile = await runner(['sync', ws.path('missing.yaml')]);
    expect(badFile.exitCode).toBe(2);
    expect((await syncJson({ ...connection(), source: { connector: 'source-nope' } })).exitCode).toBe(2);
  });

  it('2, recorded: a connection file that fails to load is in the history with its reason', async () => {
    const missing = await syncJson(connection({ api_key: '${EXIT_CODES_TEST_UNSET}' }));
    expect(missing.exitCode).toBe(2);
    expect(missing.summary.run).toBe(1);
    const store = openStore(ws.path('state'), ws.dir);
    try {
      const [run] = await store.listRuns({ connection: 'codes', limit: 1 });
      expect(run).toMatchObject({ id: 1, status: 'failed', exitCode: 2 });
      expect(run?.error).toMatch(/EXIT_CODES_TEST_UNSET is not set/);
    } finally {
      await store.close();
    }
  });

  it('3: the destination rejected some records', async () => {
    const { exitCode, summary } = await syncJson(connection({}, { reject_ids: [2] }));
    expect(exitCode).toBe(3);
    expect(summary).toMatchObject({ status: 'succeeded', totals: { rejected: 1, committed: 2 } });
  });

  it('3 and failed: every record sent was rejected', async () => {
    const { exitCode, summary } = await syncJson(connection({}, { reject_ids: [1, 2, 3] }));
    expect(exitCode).toBe(3);
    expect(summary.status).toBe('failed');
    expect(summary.error.message).toBe('the destination rejected all 3 records sent');
  });

  it('4: some rows were invalid and never sent', async () => {
    // id 1..3 have amounts "1.50".."3.50": not integers, so every row is invalid.
    const { exitCode, summary } = await syncJson(
      connection(
        {},
        {},
        {
          streams: [
            {
              name: 'items',
              sync_mode: 'full_refresh',
              mapping: { id: 'id', amount: { from: 'amount', type: 'integer' } },
            },
          ],
        },
      ),
    );
    expect(exitCode).toBe(4);
    expect(summary.totals).toMatchObject({ invalid: 3, sent: 0 });
  });

  it('5: a connector refuses its credentials, at check and at sync', async () => {
    await ws.connection('cfg', { count: 1, api_key: 'wrong' });
    const check = await runner([
      'check',
      '--command',
      fixtureCommand('source-counter'),
      '--config',
      ws.path('cfg.yaml'),
    ]);
    expect(check.exitCode).toBe(5);
    const { exitCode, summary } = await syncJson(connection({ api_key: 'wrong' }));
    expect(exitCode).toBe(5);
    expect(summary.error).toMatchObject({
      failureType: 'config_error',
      connector: expect.stringContaining('source-counter'),
    });
    expect(JSON.stringify(summary)).not.toContain('wrong');
  });

  it('6: another run holds the lock (see runner-state tests); 130: interrupted (see runner-cli tests)', async () => {
    const help = await runner(['--help']);
    for (const code of ['0', '1', '2', '3', '4', '5', '6', '130'])
      expect(help.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const code of ['0', '1', '2', '3', '4', '5', '6', '130'])
      expect(readme).toMatch(new RegExp(`^\\| ${code} +\\|`, 'm'));
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../runner/package.json', import.meta.url), 'utf8'));
    const result = await runner(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(pkg.version);
  });
});
