import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerComing, containerGone } from './container-owners.js';
import { removeLeftovers } from './leftovers.js';

/** A Docker client that counts how often the sweep asks for containers. */
function fakeDocker(listContainers: () => Promise<Docker.ContainerInfo[]> = async () => []) {
  const asked = { count: 0 };
  const docker = {
    listContainers: () => {
      asked.count++;
      return listContainers();
    },
  } as unknown as Docker;
  return { docker, asked };
}

const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('removeLeftovers and the owner files of runners that started containers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leftovers-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not ask Docker when no dead runner started containers', async () => {
    const { docker, asked } = fakeDocker();
    writeFileSync(join(dir, `backflow-${process.pid}.${host}.containers`), '');
    writeFileSync(join(dir, `backflow-${deadPid()}.other-host.containers`), '');
    await removeLeftovers({ docker, tmpDir: dir });
    expect(asked.count).toBe(0);
  });

  it('sweeps Docker when a dead runner of this host started containers, then forgets it', async () => {
    const { docker, asked } = fakeDocker();
    const owner = `backflow-${deadPid()}.${host}.containers`;
    writeFileSync(join(dir, owner), '');
    await removeLeftovers({ docker, tmpDir: dir });
    expect(asked.count).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
    await removeLeftovers({ docker, tmpDir: dir });
    expect(asked.count).toBe(1);
  });

  it('keeps the owner file when the sweep fails, so a later run tries again', async () => {
    const { docker } = fakeDocker(() => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })));
    const owner = `backflow-${deadPid()}.${host}.containers`;
    writeFileSync(join(dir, owner), '');
    expect(await removeLeftovers({ docker, tmpDir: dir })).toEqual({ folders: [], containers: [] });
    expect(readdirSync(dir)).toEqual([owner]);
  });

  it('a runner that starts containers leaves an owner file naming it', async () => {
    await containerComing(dir);
    containerGone();
    expect(readdirSync(dir)).toEqual([`backflow-${process.pid}.${host}.containers`]);
  });
});
