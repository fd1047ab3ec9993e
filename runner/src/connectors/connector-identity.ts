import type { Endpoint, Executor } from '../generated/connection.js';
import { connectorsDirsFromEnv, findConnectorPackage } from '../launchers/find-connector-package.js';
import { splitCommand } from '../launchers/split-command.js';
import { programIdentity } from './connector-cache.js';

/**
 * The version of the connector an endpoint runs, as the connector cache keys it: a package's
 * name and version with the files of its program (its image is tagged with that version), or
 * a command's files. A bare image reference says nothing of the image it names today (a tag
 * can move): none, so it is not cached.
 */
export async function endpointIdentity(
  endpoint: Endpoint,
  options: { executor: Executor; connectorsDir?: string | readonly string[]; searchFrom?: readonly string[] },
): Promise<string | undefined> {
  try {
    if (endpoint.image) return undefined;
    if (endpoint.command) return await programIdentity(splitCommand(endpoint.command));
    const pkg = await findConnectorPackage(endpoint.connector!, {
      connectorsDirs: options.connectorsDir === undefined ? connectorsDirsFromEnv() : [options.connectorsDir].flat(),
      searchFrom: options.searchFrom ?? [process.cwd()],
    });
    const program = await programIdentity([process.execPath, pkg.main]);
    return program === undefined ? undefined : JSON.stringify([options.executor, pkg.name, pkg.version, program]);
  } catch {
    return undefined;
  }
}
