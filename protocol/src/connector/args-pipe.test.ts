import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARGS_ENV, ARGS_WAIT_ENV, argsFromPipe, argsWaitMs } from './args-pipe.js';

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

  it('waits for a line while nobody holds the other end, when kept warm', async () => {
    closeRunnerEnd();
    const args = argsFromPipe(pipe, 60_000);
    // A run takes the container: it opens the pipe, writes its line and may close it at once.
    const claimer = openSync(pipe, constants.O_WRONLY);
    writeSync(claimer, '["write","--config","/run/backflow/config.json"]\n');
    closeSync(claimer);
    await expect(args).resolves.toEqual(['write', '--config', '/run/backflow/config.json']);
  });

  it('gives nothing once the wait is over, when kept warm and no run came', async () => {
    closeRunnerEnd();
    await expect(argsFromPipe(pipe, 50)).resolves.toBeUndefined();
  });

  it('refuses a wait that is not a whole number of milliseconds, naming the variable', () => {
    expect(argsWaitMs(undefined)).toBeUndefined();
    expect(argsWaitMs('600000')).toBe(600_000);
    for (const value of ['0', '-5', '10m', ''])
      expect(() => argsWaitMs(value)).toThrow(
        `${ARGS_WAIT_ENV}: expected a whole number of milliseconds, got ${value}`,
      );
  });

  it('refuses a line that is not an array of strings, or not JSON, naming the variable', async () => {
    writeSync(runnerEnd, '{"command":"read"}\n');
    await expect(argsFromPipe(pipe)).rejects.toThrow(`${ARGS_ENV}: expected a JSON array of strings`);
    writeSync(runnerEnd, 'read --config x\n');
    await expect(argsFromPipe(pipe)).rejects.toThrow(`${ARGS_ENV}: expected a JSON array of strings, got read`);
  });
});

describe('a connector started with BACKFLOW_ARGS', () => {
  function startConnector(env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [DESTINATION_FILE_BIN, 'check'], {
      env: { ...process.env, [ARGS_ENV]: pipe, ...env },
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

  it('exits quietly once its wait is over, when kept warm and no run came', async () => {
    closeRunnerEnd();
    const { code, stdout, stderr } = await startConnector({ [ARGS_WAIT_ENV]: '100' });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${ARGS_WAIT_ENV}: no run took this connector within 100 ms`);
  });
});
