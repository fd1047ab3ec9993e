import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOBODY, containerMounts, containerUser } from './container-mounts.js';

let dir: string;
const me = { uid: process.getuid!(), gid: process.getgid!() };
const options = () => ({ workingDir: dir, user: me, connector: 'destination-file' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'container-mounts-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('containerUser', () => {
  it("is the caller's uid and gid, or nobody for root and where there are no uids", () => {
    expect(containerUser({ uid: 1000, gid: 100 })).toEqual({ uid: 1000, gid: 100 });
    expect(containerUser({ uid: 0, gid: 0 })).toEqual(NOBODY);
    expect(containerUser({})).toEqual(NOBODY);
  });
});

describe('containerMounts', () => {
  it('mounts a file read read-only, resolving a relative path against the working directory', async () => {
    await writeFile(join(dir, 'warehouse.duckdb'), '');
    expect(await containerMounts([{ path: 'warehouse.duckdb', access: 'read' }], options())).toEqual([
      { path: join(dir, 'warehouse.duckdb'), readOnly: true },
    ]);
  });

  it('mounts the folder before the first wildcard of a glob, once for several globs', async () => {
    await mkdir(join(dir, 'exports', '2026'), { recursive: true });
    const paths = [
      { path: 'exports/*/orders-*.parquet', access: 'read' as const },
      { path: join(dir, 'exports', 'leads-?.csv'), access: 'read' as const },
    ];
    expect(await containerMounts(paths, options())).toEqual([{ path: join(dir, 'exports'), readOnly: true }]);
  });

  it('does not mount a path read that does not exist (Docker would create it as a folder)', async () => {
    expect(await containerMounts([{ path: 'missing.duckdb', access: 'read' }], options())).toEqual([]);
  });

  it('creates a missing folder written, with its parents, and mounts it read-write', async () => {
    const mounts = await containerMounts([{ path: 'out/csv', access: 'write' }], options());
    expect(mounts).toEqual([{ path: join(dir, 'out', 'csv'), readOnly: false }]);
    expect((await stat(join(dir, 'out', 'csv'))).isDirectory()).toBe(true);
  });

  it.runIf(me.uid === 0)('hands a folder it creates to the container user when the runner is root', async () => {
    await containerMounts([{ path: 'out/csv', access: 'write' }], { ...options(), user: NOBODY });
    for (const folder of ['out', join('out', 'csv')]) {
      expect(await stat(join(dir, folder))).toMatchObject({ uid: NOBODY.uid, gid: NOBODY.gid });
    }
  });

  it('refuses a folder the container user cannot write, naming the folder and the uid', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await chmod(out, 0o555);
    // Owned by the caller; the container user is someone else (or the caller, without write).
    const user = me.uid === 0 ? NOBODY : me;
    await expect(containerMounts([{ path: out, access: 'write' }], { ...options(), user })).rejects.toThrow(
      `destination-file: the container runs as uid ${user.uid} (gid ${user.gid}), which cannot write ${out}`,
    );
  });

  it('refuses a file where a folder is to be written', async () => {
    await writeFile(join(dir, 'out'), '');
    await expect(containerMounts([{ path: 'out', access: 'write' }], options())).rejects.toThrow(
      `destination-file: ${join(dir, 'out')} is not a folder`,
    );
  });
});
