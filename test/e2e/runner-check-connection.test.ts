import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { sync } from '@backflow/runner';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const runner = (args: string[]) => execa(process.execPath, [RUNNER_BIN, ...args], { reject: false });

function connection(source: object, mapping?: object) {
  return {
    source: { command: fixtureCommand('source-counter'), config: { count: 5, ...source } },
    destination: {
      command: fixtureCommand('destination-recorder'),
      config: { path: ws.path('out.jsonl'), fields: { items: ['id', 'label'] } },
    },
    streams: [{ name: 'items', ...(mapping ? { mapping } : {}) }],
    state: ws.path('state'),
  };
}

describe('runner check <connection.yaml>', () => {
  it('checks both ends, the streams and the mapping without reading rows', async () => {
    const ok = await runner([
      'check',
      await ws.connection('ok', connection({}, { id: 'id', label: 'name' })),
      '--json',
    ]);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      status: 'SUCCEEDED',
      source: { status: 'SUCCEEDED' },
      destination: { status: 'SUCCEEDED' },
      streams: [{ stream: 'items', object: 'items', behaviour: 'upsert', primary_key: ['id'] }],
    });
    expect(ok.stderr).not.toMatch(/"event":"progress"/);

    const badMapping = await runner(['check', await ws.connection('m', connection({}, { id: 'id', lable: 'name' }))]);
    expect(badMapping.exitCode).toBe(2);
    expect(badMapping.stderr).toMatch(/has no field "lable"/);

    const refused = await runner(['check', await ws.connection('r', connection({ api_key: 'wrong' })), '--json']);
    expect(refused.exitCode).toBe(5);
    expect(refused.stdout).not.toContain('wrong');
  });
});

describe('every connector command has a deadline (timeouts.command_seconds)', () => {
  // The fixture ignores SIGTERM in these modes, as a call stuck in the kernel does: only the
  // runner's escalation to SIGKILL ends it.
  const stuck = (mode: string) => ({
    ...connection({}),
    source: { command: fixtureCommand('misbehaving'), config: { mode } },
    timeouts: { command_seconds: 5 },
  });

  it('a check stuck in the connector is killed at the deadline and named', async () => {
    const result = await runner(['check', await ws.connection('c', stuck('hang-check')), '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).message).toMatch(
      /misbehaving\/bin\/main\.js: check did not finish within 5s \(timeouts\.command_seconds\): stopped/,
    );
  });

  it('a discover stuck in the connector fails the sync at the deadline', async () => {
    const summary = await sync(await ws.connection('d', stuck('hang-discover')));
    expect(summary.status).toBe('failed');
    expect(summary.error?.message).toMatch(/misbehaving\/bin\/main\.js: discover did not finish within 5s/);
  });
});
