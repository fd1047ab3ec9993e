import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
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
