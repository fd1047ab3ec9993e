import { readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LauncherError } from './errors.js';
import { ownerIsDead } from './owner-process.js';
import type { ConnectorInvocation } from './types.js';

/** A JSON document to hand to the connector, and the flag that names it. */
export interface InvocationFile {
  key: string;
  fileName: string;
  content: string;
}

const FILE_KEY = /^[a-z][a-z0-9-]*$/;

/** Serialises the invocation's files; keys become file names and flags, so they are checked. */
export function invocationFiles(invocation: ConnectorInvocation): InvocationFile[] {
  return Object.entries(invocation.files ?? {}).map(([key, value]) => {
    if (!FILE_KEY.test(key)) {
      throw new LauncherError(
        'INVALID_INVOCATION',
        `${invocation.name}: file key "${key}" must match ${FILE_KEY.source}`,
      );
    }
    const content = JSON.stringify(value);
    if (content === undefined) {
      throw new LauncherError('INVALID_INVOCATION', `${invocation.name}: file "${key}" is not JSON-serialisable`);
    }
    return { key, fileName: `${key}.json`, content };
  });
}

/** `<command> --<key> <path of key.json> ...`; `pathOf` places a file name where the connector sees it. */
export function invocationArgs(
  invocation: ConnectorInvocation,
  files: InvocationFile[],
  pathOf: (fileName: string) => string,
): string[] {
  return [invocation.command, ...files.flatMap((f) => [`--${f.key}`, pathOf(f.fileName)])];
}

/**
 * Prefix of a process launcher's private folder (`mkdtemp` adds six characters). It names the
 * runner that owns it, `backflow-<pid>.<host>-`, so that a later run can find the folders of a
 * runner killed before it could remove them: they hold connector configs, passwords included.
 */
export function invocationDirPrefix(pid: number | string = process.pid): string {
  return `backflow-${pid}.${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-`;
}

const INVOCATION_DIR = /^backflow-(\d+)\.(.+)-[A-Za-z0-9]{6}$/;
/**
 * The folder of a container kept warm (early-start.cts), `backflow-warm.<until>.<host>-`: no
 * run may claim it after `until` (seconds since the epoch), so it is stale from then on.
 */
const WARM_DIR = /^backflow-warm\.(\d+)\.(.+)-[A-Za-z0-9]{6}$/;

/**
 * Removes the private folders in `dir` (default the temp folder) of runners of this host that
 * died, and of containers kept warm that no run claimed in time; returns them.
 */
export async function removeStaleInvocationDirs(dir = tmpdir(), now = Date.now()): Promise<string[]> {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
  const isStale = (name: string): boolean => {
    const owner = INVOCATION_DIR.exec(name);
    if (owner) return owner[2] === host && ownerIsDead(hostname(), Number(owner[1]));
    const warm = WARM_DIR.exec(name);
    return warm !== null && warm[2] === host && Number(warm[1]) * 1000 <= now;
  };
  const stale = (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory() && isStale(entry.name))
    .map((entry) => join(dir, entry.name));
  await Promise.all(stale.map((path) => rm(path, { recursive: true, force: true })));
  return stale;
}
