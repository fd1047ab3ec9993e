import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '@backflow/protocol/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destination } from '../src/index.js';
import { catalogOf, configuredStream, record, state } from './messages.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'destination-file-check-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const check = (directory: string) => runInProcess(destination, 'check', { config: { directory, format: 'jsonl' } });

describe('check', () => {
  it('succeeds on a writable directory and leaves nothing in it', async () => {
    const run = await check(dir);
    expect(run.connectionStatus).toEqual({ status: 'SUCCEEDED', message: `directory ${dir} is writable` });
    expect(await readdir(dir)).toEqual([]);
  });

  it('accepts a directory still to be created when its nearest existing parent is writable, creating nothing', async () => {
    const target = join(dir, 'exports', 'daily');
    const run = await check(target);
    expect(run.connectionStatus).toEqual({
      status: 'SUCCEEDED',
      message: `directory ${target} does not exist yet; ${dir} is writable, so write will create it`,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails, without hanging, on a directory under /proc (where recursive mkdir loops)', async () => {
    const run = await check('/proc/backflow-check/out');
    expect(run.exitCode).toBe(0);
    expect(run.connectionStatus?.status).toBe('FAILED');
    expect(run.connectionStatus?.message).toMatch(/^directory \/proc\/backflow-check\/out is not writable: E[A-Z]+$/);
  });

  it('fails when a parent is a file', async () => {
    await writeFile(join(dir, 'plain'), '');
    const run = await check(join(dir, 'plain', 'out'));
    expect(run.connectionStatus).toEqual({
      status: 'FAILED',
      message: `directory ${join(dir, 'plain', 'out')} is not writable: ${join(dir, 'plain')} is not a directory`,
    });
  });
});

describe('write into a directory that does not exist yet', () => {
  it('creates the missing levels', async () => {
    const target = join(dir, 'a', 'b');
    const run = await runInProcess(destination, 'write', {
      config: { directory: target, format: 'jsonl' },
      catalog: catalogOf(configuredStream('users', 'append')),
      input: [record('users', { id: 1 }), state('users', 1)],
    });
    expect(run.exitCode).toBe(0);
    expect(await readFile(join(target, 'users.jsonl'), 'utf8')).toBe('{"id":1}\n');
  });
});
