import { rmSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerIsDead } from './owner-process.js';

/**
 * A runner that starts containers first leaves a file in the temp folder naming it,
 * `backflow-<pid>.<host>.containers`, and deletes it when it exits with none of its containers
 * left. A file whose runner is dead is how a later run knows there may be containers to sweep,
 * so that runs which find none (almost all) never load a Docker client.
 */
const OWNER_FILE = /^backflow-(\d+)\.(.+)\.containers$/;

let owned: Promise<void> | undefined;
let live = 0;

/** This process's owner file in `dir` (or that of the process `pid` will stand for). */
export function ownerFile(dir: string, pid: number | string = process.pid): string {
  return join(dir, `backflow-${pid}.${safeHost()}.containers`);
}

function safeHost(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, '_');
}

/**
 * Counts a container about to be created; the owner file is written (once per process) before
 * the first one. Call {@link containerGone} once it is removed.
 */
export async function containerComing(dir = tmpdir()): Promise<void> {
  live++;
  owned ??= writeFile(ownerFile(dir), '').then(() => {
    process.on('exit', () => {
      if (live === 0) rmSync(ownerFile(dir), { force: true });
    });
  });
  try {
    await owned;
  } catch (error) {
    live--;
    owned = undefined;
    throw error;
  }
}

/** A container counted by {@link containerComing} is removed. */
export function containerGone(): void {
  live--;
}

/** Owner files in `dir` (default the temp folder) of runners of this host that died. */
export async function deadOwnerFiles(dir = tmpdir()): Promise<string[]> {
  const host = safeHost();
  return (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isFile())
    .map((entry) => ({ path: join(dir, entry.name), owner: OWNER_FILE.exec(entry.name) }))
    .filter(({ owner }) => owner !== null && owner[2] === host && ownerIsDead(hostname(), Number(owner[1])))
    .map(({ path }) => path);
}

/** Deletes owner files once their runners' containers are swept. */
export async function forgetOwners(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((file) => rm(file, { force: true })));
}
