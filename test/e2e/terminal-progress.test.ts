import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { terminalScreen } from '../support/terminal-screen.js';
import { RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

// `script` (util-linux) runs the runner on a pseudo-terminal, so it draws its live progress.
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

describe.runIf(hasScript)('runner sync on a terminal', () => {
  it('clears its progress lines before the summary: no frame left above it, cut or not', async () => {
    const file = await ws.connection('tty', {
      name: 'tty',
      source: { command: fixtureCommand('source-counter'), config: { count: 3000 } },
      destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('out.jsonl') } },
      streams: [{ name: 'items' }],
      state: ws.path('state'),
    });
    // 80 columns, so a frame (wider than that) is drawn cut, as on a usual terminal.
    const command = `stty cols 80 rows 24; ${process.execPath} ${RUNNER_BIN} sync ${file}`;
    const run = await execa('script', ['-qfec', command, '/dev/null'], { reject: false });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(' | read '); // it did draw the progress
    const screen = terminalScreen(run.stdout).filter((line) => line !== '');
    const summary = screen.findIndex((line) => line.startsWith('sync tty (run 1): succeeded'));
    expect(summary).toBeGreaterThanOrEqual(0);
    expect(screen.filter((line) => line.includes(' | read '))).toEqual([]);
    expect(screen.slice(summary + 1, summary + 3)).toEqual([
      expect.stringMatching(/^stream\s+read\s+added/),
      expect.stringMatching(/^items\s+3000\s+3000\s/),
    ]);
  });
});
