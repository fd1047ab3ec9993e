import type Docker from 'dockerode';
import { LABELS } from './docker-labels.js';
import { removeContainer } from './docker-launcher.js';
import { ownerIsDead } from './owner-process.js';

/** Options of {@link removeStaleContainers}. */
export interface RemoveStaleContainersOptions {
  /** Also remove every container of this run, whatever its owner's state. */
  runId?: string;
}

/**
 * Removes containers left behind by runners that died: managed containers whose owning
 * runner process (on this host) no longer exists, plus all containers of `runId` if given.
 * Containers of live runners, or of runners on other hosts, are left alone.
 * Returns the ids removed.
 */
export async function removeStaleContainers(
  docker: Docker,
  options: RemoveStaleContainersOptions = {},
): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.managed}=true`] },
  });
  const stale = containers.filter(
    (c) =>
      (options.runId !== undefined && c.Labels[LABELS.run] === options.runId) || ownerIsGone(c.Labels[LABELS.owner]),
  );
  await Promise.all(stale.map((c) => removeContainer(docker.getContainer(c.Id))));
  return stale.map((c) => c.Id);
}

function ownerIsGone(owner: string | undefined): boolean {
  const match = owner ? /^(.*)\/(\d+)$/.exec(owner) : null;
  return match !== null && ownerIsDead(match[1]!, Number(match[2]));
}
