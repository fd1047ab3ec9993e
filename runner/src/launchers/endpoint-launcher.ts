import type { Endpoint } from '../generated/connection.js';
import type { DockerLauncherOptions } from './docker-launcher.js';
import type { EarlyStart } from './early-containers.js';
import { resolveConnector, type ResolveConnectorOptions } from './resolve-connector.js';
import type { Launcher } from './types.js';

/**
 * The launcher of a connection file's endpoint (`connector`, `image` or `command`), with the
 * Docker options it sets (network, memory, CPUs, mounts); `name` names it in messages.
 * `workingDir` (the connection file's folder) is the connector's working directory in either
 * launcher, so a relative path in its config means the same thing in a process and a container.
 */
export async function launcherForEndpoint(
  endpoint: Endpoint,
  options: Pick<ResolveConnectorOptions, 'executor' | 'connectorsDir' | 'searchFrom'> & {
    workingDir?: string;
    /** The sync's plans and containers started ahead, for its Docker launchers. */
    early?: EarlyStart;
  },
): Promise<{ name: string; launcher: Launcher }> {
  const { workingDir, early, ...rest } = options;
  const resolve = {
    ...rest,
    docker: {
      ...dockerOptions(endpoint),
      ...(workingDir === undefined ? {} : { workingDir }),
      ...(early === undefined ? {} : { early }),
    },
    ...(workingDir === undefined ? {} : { process: { cwd: workingDir } }),
  };
  if (endpoint.image)
    return { name: endpoint.image, launcher: await resolveConnector({ image: endpoint.image }, resolve) };
  if (endpoint.command) {
    return { name: endpoint.command, launcher: await resolveConnector({ command: endpoint.command }, resolve) };
  }
  return { name: endpoint.connector!, launcher: await resolveConnector({ name: endpoint.connector! }, resolve) };
}

/** An endpoint's Docker settings as launcher options. */
export function dockerOptions(endpoint: Endpoint): Omit<DockerLauncherOptions, 'image'> {
  return {
    ...(endpoint.network ? { network: endpoint.network } : {}),
    ...(endpoint.memory_mb ? { memoryMb: endpoint.memory_mb } : {}),
    ...(endpoint.cpus ? { cpus: endpoint.cpus } : {}),
    ...(endpoint.mounts ? { mounts: endpoint.mounts.map(parseMount) } : {}),
  };
}

/** `path` or `path:ro`, as in a connection file's `mounts`. */
function parseMount(spec: string): { path: string; readOnly: boolean } {
  return spec.endsWith(':ro')
    ? { path: spec.slice(0, -3), readOnly: true }
    : { path: spec.replace(/:rw$/, ''), readOnly: false };
}
