import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARGS_ENV, argsFromPipe } from './args-pipe.js';

const DESTINATION_FILE_BIN = resolve(
  fileURLToPath(new URL('../../../connectors/destination-file/bin/main.js', import.meta.url)),
);

let dir: string;
let pipe: string;
/** The runner's end: read-write, as early-start.cts holds it. */
let runnerEnd: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'args-pipe-'));
  pipe = join(dir, 'args');
  execFileSync('mkfifo', [pipe]);
  runnerEnd = openSync(pipe, constants.O_RDWR);
});

afterEach(() => {
  if (runnerEnd >= 0) closeSync(runnerEnd);
  rmSync(dir, { recursive: true, force: true });
});

function closeRunnerEnd(): void {
  closeSync(runnerEnd);
  runnerEnd = -1;
}

describe('argsFromPipe', () => {
  it('gives the command line the runner writes, while the runner keeps its end open', async () => {
    const args = argsFromPipe(pipe);
    writeSync(runnerEnd, `${JSON.stringify(['read', '--config', '/run/backflow/config.json'])}\n`);
    await expect(args).resolves.toEqual(['read', '--config', '/run/backflow/config.json']);
  });

  it('gives a line written before the connector opened the pipe', async () => {
    writeSync(runnerEnd, '["spec"]\n');
    await expect(argsFromPipe(pipe)).resolves.toEqual(['spec']);
  });

  it('gives nothing when the runner goes away first', async () => {
    const args = argsFromPipe(pipe);
    writeSync(runnerEnd, '["re');
    closeRunnerEnd();
    await expect(args).resolves.toBeUndefined();
  });

  it('refuses a line that is not an array of strings, or not JSON, naming the variable', async () => {
    writeSync(runnerEnd, '{"command":"read"}\n');
    await expect(argsFromPipe(pipe)).rejects.toThrow(`${ARGS_ENV}: expected a JSON array of strings`);
    writeSync(runnerEnd, 'read --config x\n');
    await expect(argsFromPipe(pipe)).rejects.toThrow(`${ARGS_ENV}: expected a JSON array of strings, got read`);
  });
});

describe('a connector started with BACKFLOW_ARGS', () => {
  function startConnector() {
    const child = spawn(process.execPath, [DESTINATION_FILE_BIN, 'check'], {
      env: { ...process.env, [ARGS_ENV]: pipe },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
      child.on('close', (code) => done({ code, stdout, stderr })),
    );
    return exited;
  }

  it('runs the command line from the pipe, not its arguments', async () => {
    const exited = startConnector();
    writeSync(runnerEnd, '["spec"]\n');
    const { code, stdout } = await exited;
    expect(code).toBe(0);
    const messages = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(messages.map((m) => m.type)).toEqual(['SPEC']);
  });

  it('exits as misused, saying why, when the line is not a command line', async () => {
    const exited = startConnector();
    writeSync(runnerEnd, '{"command":"spec"}\n');
    const { code, stdout, stderr } = await exited;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${ARGS_ENV}: expected a JSON array of strings`);
  });

  it('exits with a failure, saying why, when the runner goes away before giving one', async () => {
    const exited = startConnector();
    closeRunnerEnd();
    const { code, stdout, stderr } = await exited;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${ARGS_ENV}: the runner went away before giving a command`);
  });
});
