import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { EXIT_CODES, plan, sync, type SyncEvent } from '@backflow/runner';
import type { AirbyteStateMessage } from '@backflow/protocol';
import { committedStates, storeFileText } from '../support/state.js';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const lines = async (path: string) =>
  (await readFile(path, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: number; stream: string });

function connection(source: object, destination: object, extra: object = {}) {
  return {
    name: 'counter-to-jsonl',
    source: { command: fixtureCommand('source-counter'), config: { count: 1000, checkpoint_every: 100, ...source } },
    destination: {
      command: fixtureCommand('destination-jsonl'),
      config: { path: ws.path('out.jsonl'), ...destination },
    },
    streams: [{ name: 'items', sync_mode: 'incremental', cursor_field: 'id' }],
    state: ws.path('state'),
    ...extra,
  };
}

describe('runner sync (process launcher)', () => {
  it('moves every record, reports counts and commits the state', async () => {
    const events: SyncEvent[] = [];
    const summary = await sync(await ws.connection('c', connection({}, {})), { onEvent: (e) => events.push(e) });
    expect(summary.error).toBeUndefined();
    expect(summary.status).toBe('succeeded');
    expect(summary.exitCode).toBe(EXIT_CODES.success);
    expect(summary.streams['items']).toEqual({
      read: 1000,
      added: 1000,
      changed: 0,
      unchanged: 0,
      removed: 0,
      invalid: 0,
      sent: 1000,
      committed: 1000,
      rejected: 0,
    });
    const out = await lines(ws.path('out.jsonl'));
    expect(out.map((r) => r.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const states = (await committedStates(ws.path('state'), 'counter-to-jsonl')) as Record<string, AirbyteStateMessage>;
    expect(states['stream:items']!.stream!.stream_state).toEqual({ after: 1000 });
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'succeeded' });
  });

  it('resumes an incremental stream from the committed state', async () => {
    await sync(await ws.connection('c', connection({ count: 300 }, {})));
    const second = await sync(await ws.connection('c', connection({ count: 450 }, {})));
    expect(second.streams['items']).toMatchObject({ read: 150, committed: 150 });
    const ids = (await lines(ws.path('out.jsonl'))).map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
  });

  it('commits up to the last state when the source fails, then resumes without loss or duplicates', async () => {
    const failed = await sync(await ws.connection('c', connection({ fail_after: 250 }, {})));
    expect(failed.status).toBe('failed');
    expect(failed.exitCode).toBe(EXIT_CODES.failed);
    expect(failed.error?.message).toMatch(/source-counter.*failing after 250 records/);
    expect((await lines(ws.path('out.jsonl'))).map((r) => r.id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));

    const rerun = await sync(await ws.connection('c', connection({}, {})));
    expect(rerun.status).toBe('succeeded');
    expect((await lines(ws.path('out.jsonl'))).map((r) => r.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('keeps state at the last echoed commit when the destination is killed mid-run', async () => {
    const crashed = await sync(await ws.connection('c', connection({}, { crash_after: 420 })));
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.message).toMatch(/destination-jsonl.*exited with code 3/);
    const committed = (await lines(ws.path('out.jsonl'))).length;
    expect(committed).toBeLessThanOrEqual(420);
    const rerun = await sync(await ws.connection('c', connection({}, {})));
    expect(rerun.status).toBe('succeeded');
    expect((await lines(ws.path('out.jsonl'))).map((r) => r.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('reports rejected records with their keys and exits 3', async () => {
    const summary = await sync(await ws.connection('c', connection({ count: 10 }, { reject_ids: [3, 7] })));
    expect(summary.exitCode).toBe(EXIT_CODES.rejected);
    expect(summary.streams['items']).toEqual({
      read: 10,
      added: 10,
      changed: 0,
      unchanged: 0,
      removed: 0,
      invalid: 0,
      sent: 10,
      committed: 8,
      rejected: 2,
    });
    expect(summary.rejections).toEqual([
      { stream: 'items', key: { id: 3 }, reason: 'id 3 is refused', retryable: false },
      { stream: 'items', key: { id: 7 }, reason: 'id 7 is refused', retryable: false },
    ]);
  });

  it('never prints a secret from either config', async () => {
    const file = await ws.connection(
      'c',
      connection({ count: 5, api_key: 'sk-live-abcdef123' }, { password: 'pw-very-secret' }),
    );
    const result = await execa(process.execPath, [RUNNER_BIN, 'sync', file, '--json'], { reject: false });
    expect(result.exitCode).toBe(0);
    const everything = result.stdout + result.stderr + (await storeFileText(ws.path('state'), 'counter-to-jsonl'));
    expect(everything).not.toContain('sk-live-abcdef123');
    expect(everything).not.toContain('pw-very-secret');
    expect(result.stderr).toContain('reading items with key **********');
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'succeeded', totals: { read: 5, sent: 5, committed: 5, rejected: 0 } });
  });
});

describe('runner sync: bad input', () => {
  const misbehaving = (mode: string, extra: object = {}) => ({
    name: 'bad',
    source: { command: fixtureCommand('misbehaving'), config: { mode, token: 'tok-secret-42' } },
    destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('out.jsonl') } },
    streams: [{ name: 'items' }],
    state: ws.path('state'),
    ...extra,
  });

  it.each([
    [
      'not-json',
      /misbehaving\/bin\/main\.js \(stdout line 2\): invalid message: the line must be a JSON object on one line/,
    ],
    ['invalid-message', /stdout line 2\): invalid message: .*\/record.*data/],
    ['unknown-stream', /stdout line 2\): RECORD for stream "nope", which is not in the catalog/],
    ['schema-mismatch', /stdout line 2\): RECORD does not match its stream schema: .*\/id must be integer/],
    ['oversize', /stdout line 2\): invalid message: .*(longer|exceeds|limit)/i],
  ])('%s: fails naming the connector, the line and the rule, and commits nothing', async (mode, expected) => {
    const summary = await sync(await ws.connection('bad', misbehaving(mode)));
    expect(summary.status).toBe('failed');
    expect(summary.exitCode).toBe(EXIT_CODES.failed);
    expect(summary.error?.message).toMatch(expected);
    expect(summary.state.committedStates).toBe(0);
    expect(await lines(ws.path('out.jsonl'))).toEqual([]);
  });

  it('plan checks records against their stream schema as sync does', async () => {
    const summary = await plan(await ws.connection('bad', misbehaving('schema-mismatch')));
    expect(summary.status).toBe('failed');
    expect(summary.exitCode).toBe(EXIT_CODES.failed);
    expect(summary.error?.message).toMatch(
      /stdout line 2\): RECORD does not match its stream schema: .*\/id must be integer/,
    );
  });

  it('a source exiting non-zero mid-stream is reported with its stderr, secrets scrubbed', async () => {
    const summary = await sync(await ws.connection('bad', misbehaving('exit-midstream')));
    expect(summary.status).toBe('failed');
    expect(summary.error?.message).toMatch(/exited with code 7/);
    expect(summary.error?.message).toMatch(/connection lost \(token \*\*\*\*\*\*\*\*\*\*\)/);
    expect(JSON.stringify(summary)).not.toContain('tok-secret-42');
  });

  it('a hanging source is stopped after the idle timeout', async () => {
    const summary = await sync(await ws.connection('bad', misbehaving('hang', { timeouts: { idle_seconds: 1 } })));
    expect(summary.status).toBe('failed');
    expect(summary.error?.message).toMatch(/misbehaving.*no output for \d+s: considered hung/);
    expect(summary.state.committedStates).toBe(0);
  });

  it('a destination that never echoes state fails the sync and commits nothing', async () => {
    const config = {
      ...connection({ count: 20 }, {}),
      destination: { command: fixtureCommand('misbehaving'), config: { mode: 'never-echo' } },
    };
    const summary = await sync(await ws.connection('c', config));
    expect(summary.status).toBe('failed');
    expect(summary.error?.message).toMatch(/exited without confirming 20 record\(s\)/);
    expect(summary.state.committedStates).toBe(0);
  });

  it('a destination that echoes only at the end of its input finishes the sync as soon as it exits', async () => {
    const config = {
      ...connection({ count: 20 }, {}),
      destination: { command: fixtureCommand('misbehaving'), config: { mode: 'echo-at-end' } },
    };
    const summary = await sync(await ws.connection('c', config));
    expect(summary.error).toBeUndefined();
    expect(summary.streams['items']).toMatchObject({ sent: 20, committed: 20 });
    // The runner used to wait for 10 s of silence before ending such a destination's input;
    // now it costs about what a destination confirming as it goes costs (same machine load).
    const prompt = await sync(await ws.connection('d', { ...connection({ count: 20 }, {}), name: 'prompt' }));
    expect(prompt.error).toBeUndefined();
    expect(summary.durationMs).toBeLessThan(prompt.durationMs + 5000);
  });

  it('an invalid connection file names the field and exits 2 before starting anything', async () => {
    const file = await ws.connection('c', {
      ...connection({}, {}),
      streams: [{ name: 'items', behaviour: 'sideways' }],
    });
    const result = await execa(process.execPath, [RUNNER_BIN, 'sync', file, '--json'], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout).error.message).toMatch(/\/streams\/0\/behaviour must be one of/);
  });

  it('a connector config that breaks its spec names the field', async () => {
    const summary = await sync(await ws.connection('c', connection({ count: -1 }, {})));
    expect(summary.exitCode).toBe(EXIT_CODES.invalid);
    expect(summary.error?.message).toMatch(/invalid source config.*\/source\/config.*\/count must be >= 0/);
  });

  it('an unknown connector lists the known ones', async () => {
    const summary = await sync(
      await ws.connection('c', { ...connection({}, {}), source: { connector: 'source-nope' } }),
    );
    expect(summary.status).toBe('failed');
    expect(summary.error?.message).toMatch(/unknown connector "source-nope".*source-postgres/);
  });

  it('a missing connection file is named, with exit code 2', async () => {
    const summary = await sync(ws.path('nope.yaml'));
    expect(summary.exitCode).toBe(EXIT_CODES.invalid);
    expect(summary.error?.message).toMatch(/cannot read connection file .*nope\.yaml: ENOENT/);
  });

  it('an image that is not there says how to build it', async () => {
    const summary = await sync(
      await ws.connection('c', { ...connection({}, {}), source: { image: 'backflow/source-nope:9.9.9', config: {} } }),
    );
    expect(summary.status).toBe('failed');
    expect(summary.error?.message).toMatch(/backflow\/source-nope:9\.9\.9/);
    expect(summary.error?.message).toMatch(/build-images/);
  });

  it('a missing environment variable is named', async () => {
    const config = connection({}, {});
    (config.destination.config as Record<string, unknown>)['password'] = '${BACKFLOW_TEST_UNSET_VAR}';
    const summary = await sync(await ws.connection('c', config));
    expect(summary.exitCode).toBe(EXIT_CODES.invalid);
    expect(summary.error?.message).toMatch(/\/destination\/config\/password uses \$\{BACKFLOW_TEST_UNSET_VAR\}/);
  });
});
