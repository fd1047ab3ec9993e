import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { invocationDirPrefix, type InvocationFile } from './invocation-files.js';

/** An invocation's files in a folder of the host, for a container to mount read-only. */
export interface HostFiles {
  /** The folder to mount. */
  dir: string;
  remove(): Promise<void>;
}

/**
 * Makes an empty private folder of the host: its outer folder is the runner's alone (mkdtemp's
 * 0700; its name lets a later run remove it if this runner is killed, see
 * removeStaleInvocationDirs). The folder exists before its files, so that the engine, which
 * only checks that a mount's source exists, can create the container while they are written.
 */
export async function hostFilesFolder(): Promise<HostFiles> {
  const outer = await mkdtemp(join(tmpdir(), invocationDirPrefix()));
  const remove = () => rm(outer, { recursive: true, force: true });
  try {
    const dir = join(outer, 'files');
    await mkdir(dir);
    return { dir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * Writes the files into the folder. The folder and its files are readable by all, so the
 * container reads them whatever uid it runs as (nobody, a rootless engine's mapped uid).
 */
export async function writeHostFiles({ dir }: HostFiles, files: readonly InvocationFile[]): Promise<void> {
  for (const file of files) await writeFile(join(dir, file.fileName), file.content, { mode: 0o444, flag: 'wx' });
  // The umask may have taken bits away.
  await chmod(dir, 0o755);
}

/**
 * Whether the engine is likely to see this host's temp folder as it is, so that a container can
 * mount files from it: a Linux engine on a local socket, without SELinux enforcing (which would
 * keep a container from reading a folder not labelled for it). Anything else (a remote engine,
 * a VM's) gets the files copied in. An engine that turns out not to (a snap's private /tmp)
 * refuses the mount when the container is created, and the launcher copies them in then.
 */
export function engineSharesHostFiles(docker: Docker): boolean {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown };
  return process.platform === 'linux' && !!modem.socketPath && !modem.host && !selinuxEnforcing();
}

let enforcing: boolean | undefined;

function selinuxEnforcing(): boolean {
  if (enforcing === undefined) {
    try {
      enforcing = readFileSync('/sys/fs/selinux/enforce', 'utf8').trim() === '1';
    } catch {
      enforcing = false;
    }
  }
  return enforcing;
}
