import type Docker from 'dockerode';
import { deadOwnerFiles, forgetOwners } from './container-owners.js';
import { dockerClient } from './docker-client.js';
import { removeStaleInvocationDirs } from './invocation-files.js';
import { removeStaleContainers } from './stale-containers.js';

/** Options of {@link removeLeftovers}. */
export interface RemoveLeftoversOptions {
  /** Docker client; default: `new Docker()` (DOCKER_HOST or the local socket). */
  docker?: Docker;
  /** Folder holding the launchers' private folders and owner files; default the temp folder. */
  tmpDir?: string;
  /** Told what was removed, and why Docker could not be cleaned. */
  log?: (level: 'INFO' | 'WARN', message: string) => void;
}

/** How long an unresponsive Docker engine may delay a run's start. */
const DOCKER_TIMEOUT_MS = 5_000;
/** A Docker engine that is not there: nothing of it to clean, and nothing to say. */
const NO_ENGINE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES']);

/**
 * Removes what runners of this host left when they were killed (SIGKILL, OOM, power loss):
 * the process launcher's private folders, which hold connector configs with their secrets,
 * and the connector containers (with their volumes, which hold `config.json`) of runners that
 * are dead. Docker is asked only when a dead runner's owner file says it started containers.
 * Anything of a live runner — another run going on — is left alone. Called at the start of
 * every run; never fails it.
 */
export async function removeLeftovers(options: RemoveLeftoversOptions = {}): Promise<{
  folders: string[];
  containers: string[];
}> {
  const log = options.log ?? (() => undefined);
  const [folders, owners] = await Promise.all([
    removeStaleInvocationDirs(options.tmpDir).catch((error: Error) => {
      log('WARN', `could not remove the private folders of killed runners: ${error.message}`);
      return [];
    }),
    deadOwnerFiles(options.tmpDir),
  ]);
  if (folders.length > 0)
    log('INFO', `removed ${folders.length} private folder(s) of killed runners: ${folders.join(', ')}`);
  if (owners.length === 0) return { folders, containers: [] };
  const docker = options.docker ?? (await dockerClient({ timeout: DOCKER_TIMEOUT_MS }));
  const containers = await removeStaleContainers(docker).then(
    async (removed) => {
      await forgetOwners(owners);
      return removed;
    },
    // The owner files stay: a later run tries again, the engine may be back by then.
    (error: NodeJS.ErrnoException) => {
      if (!NO_ENGINE.has(error.code ?? '')) {
        log('WARN', `could not remove the containers of killed runners: ${error.message}`);
      }
      return [];
    },
  );
  if (containers.length > 0) {
    log(
      'INFO',
      `removed ${containers.length} container(s) of killed runners: ${containers.map((id) => id.slice(0, 12)).join(', ')}`,
    );
  }
  return { folders, containers };
}
