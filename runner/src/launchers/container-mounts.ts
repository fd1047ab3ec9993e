import { chown, mkdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import type { ConfigPath } from './config-paths.js';
import { LauncherError } from './errors.js';

/** A host path mounted into a connector's container at the same absolute path. */
export interface ContainerMount {
  path: string;
  readOnly: boolean;
}

/** The uid and gid a connector's container runs as. */
export interface ContainerUser {
  uid: number;
  gid: number;
}

/** The user nobody: who containers run as when the runner itself is root (or has no uid). */
export const NOBODY: ContainerUser = { uid: 65534, gid: 65534 };

/**
 * Containers run as the caller's uid and gid, so the files they write belong to whoever ran
 * the runner; a root caller gets nobody rather than root inside the container.
 */
export function containerUser(
  ids: { uid?: number; gid?: number } = { uid: process.getuid?.(), gid: process.getgid?.() },
): ContainerUser {
  if (ids.uid === undefined || ids.gid === undefined || ids.uid === 0) return NOBODY;
  return { uid: ids.uid, gid: ids.gid };
}

const GLOB_CHARS = /[*?[{]/;

/**
 * The mounts that let a container reach the paths its config names: a path read becomes a
 * read-only mount (a glob, the folder before its first wildcard), a folder written a
 * read-write one, created first when missing so it belongs to the container user rather than
 * to the Docker engine. A path read that does not exist is not mounted (the engine would create it
 * as a folder owned by root): the connector then reports it missing in its own words. A
 * folder the container user cannot write is refused here, naming the folder and the uid.
 */
export async function containerMounts(
  paths: readonly ConfigPath[],
  options: { workingDir: string; user: ContainerUser; connector: string },
): Promise<ContainerMount[]> {
  const mounts = new Map<string, ContainerMount>();
  for (const { path, access } of paths) {
    const absolute = resolve(options.workingDir, path);
    if (access === 'write') {
      await createFolder(absolute, options.user);
      await assertWritable(absolute, options.user, options.connector);
      mounts.set(absolute, { path: absolute, readOnly: false });
      continue;
    }
    const target = GLOB_CHARS.test(absolute) ? globBase(absolute) : absolute;
    if (mounts.has(target) || !(await exists(target))) continue;
    mounts.set(target, { path: target, readOnly: true });
  }
  return [...mounts.values()];
}

/** The folder of a glob up to its first segment with a wildcard. */
function globBase(absolute: string): string {
  const segments = absolute.split(sep);
  const first = segments.findIndex((segment) => GLOB_CHARS.test(segment));
  const base = segments.slice(0, first).join(sep);
  return base === '' || !isAbsolute(base) ? sep : base;
}

/**
 * Creates a missing folder and its missing parents for the container user: owned by it when
 * the runner can give them away (it is root, and the container runs as nobody), else by the
 * caller, who is then the container user too. A file in the way is reported as "not a folder".
 */
async function createFolder(absolute: string, user: ContainerUser): Promise<void> {
  let first: string | undefined;
  try {
    first = await mkdir(absolute, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (first === undefined || process.getuid?.() !== 0) return;
  for (let dir = absolute; ; dir = dirname(dir)) {
    await chown(dir, user.uid, user.gid);
    if (dir === first) break;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function assertWritable(dir: string, user: ContainerUser, connector: string): Promise<void> {
  const info = await stat(dir);
  if (!info.isDirectory()) {
    throw new LauncherError('INVALID_INVOCATION', `${connector}: ${dir} is not a folder`);
  }
  // Writing into a folder needs its write and search bits, for the class the user falls in.
  const bits = info.uid === user.uid ? 0o300 : info.gid === user.gid ? 0o030 : 0o003;
  if ((info.mode & bits) !== bits) {
    throw new LauncherError(
      'INVALID_INVOCATION',
      `${connector}: the container runs as uid ${user.uid} (gid ${user.gid}), which cannot write ${dir}` +
        ` (owner ${info.uid}:${info.gid}, mode ${(info.mode & 0o777).toString(8)}); ` +
        `make it writable by that user, e.g. chown ${user.uid}:${user.gid} ${dir}`,
    );
  }
}
