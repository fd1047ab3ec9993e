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

describe('the summary names the executor each connector really used', () => {
  it('a command runs as a local process even under executor: docker', async () => {
    const file = await ws.connection('ran', {
      source: { command: fixtureCommand('source-counter'), config: { count: 2 } },
      destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('out.jsonl') } },
      streams: [{ name: 'items' }],
      state: ws.path('state'),
      executor: 'docker',
    });
    const json = await execa(process.execPath, [RUNNER_BIN, 'sync', file, '--json'], { reject: false });
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      executor: 'docker',
      connectors: {
        source: { name: expect.stringContaining('source-counter'), executor: 'process' },
        destination: { name: expect.stringContaining('destination-jsonl'), executor: 'process' },
      },
    });
    const text = await execa(process.execPath, [RUNNER_BIN, 'sync', file], { reject: false });
    expect(text.stdout).toMatch(/^sync ran \(run 2\): succeeded in [\d.]+s \(process\)$/m);
  });
});
