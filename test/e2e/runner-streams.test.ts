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

describe('runner sync|plan --stream', () => {
  it('runs only the named streams, and refuses a name the file does not list', async () => {
    const file = await ws.connection('two', {
      source: { command: fixtureCommand('source-counter'), config: { count: 4, streams: ['a', 'b', 'c'] } },
      destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('out.jsonl') } },
      streams: ['a', 'b', 'c'].map((name) => ({ name, sync_mode: 'full_refresh' })),
      state: ws.path('state'),
    });
    const planned = await runner(['plan', file, '--stream', 'b', '--json']);
    expect(planned.exitCode).toBe(0);
    expect(Object.keys(JSON.parse(planned.stdout).streams)).toEqual(['b']);
    const synced = await runner(['sync', file, '--stream', 'c,a', '--json']);
    expect(synced.exitCode).toBe(0);
    const summary = JSON.parse(synced.stdout);
    expect(Object.keys(summary.streams)).toEqual(['a', 'c']);
    expect(summary.totals.sent).toBe(8);
    const unknown = await runner(['sync', file, '--stream', 'a,nope', '--json']);
    expect(unknown.exitCode).toBe(2);
    expect(JSON.parse(unknown.stdout).error.message).toMatch(/lists no stream "nope" \(it lists: a, b, c\)/);
  });
});
