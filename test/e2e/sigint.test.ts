import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

// Ctrl-C signals the terminal's whole process group: the runner and every connector process.
// The run ends interrupted (130), state kept, and nobody prints a stack trace: a connector that
// meets a closed pipe (EPIPE) while stopping is expected and quiet.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

/** Runs `runner sync` in its own process group and SIGINTs the group once `ready(line)` holds. */
async function interruptWhen(file: string, ready: (line: string) => boolean) {
  const runner = spawn(process.execPath, [RUNNER_BIN, 'sync', file, '--json'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(runner, 'exit') as Promise<[number | null, string | null]>;
  const stdout: string[] = [];
  runner.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  const stderr: string[] = [];
  let signalled = false;
  for await (const line of createInterface({ input: runner.stderr! })) {
    stderr.push(line);
    if (!signalled && ready(line)) {
      signalled = true;
      process.kill(-runner.pid!, 'SIGINT');
    }
  }
  const [code] = await exited;
  return {
    code,
    signalled,
    stderr: stderr.join('\n'),
    summary: JSON.parse(stdout.join('')) as Record<string, unknown>,
  };
}

describe('SIGINT to the process group of a running sync', () => {
  it('ends the run interrupted, state kept at the last commit, with no stack trace from anyone', async () => {
    const file = await ws.connection('sigint', {
      name: 'sigint',
      source: { command: fixtureCommand('source-counter'), config: { count: 5_000_000, checkpoint_every: 100 } },
      destination: { connector: 'destination-file', config: { directory: ws.path('out'), format: 'jsonl' } },
      streams: [{ name: 'items', primary_key: ['id'] }],
      state: ws.path('state'),
    });
    const run = await interruptWhen(file, (line) => line.includes('"event":"committed"'));
    expect(run.signalled).toBe(true);
    expect(run.code).toBe(130);
    expect(run.summary).toMatchObject({ status: 'interrupted', exitCode: 130 });
    expect((run.summary['state'] as { committedStates: number }).committedStates).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(/^\s+at |\\n\s+at |EPIPE|Unhandled|uncaught/im);
  });
});
