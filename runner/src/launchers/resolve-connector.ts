import { DockerLauncher, type DockerLauncherOptions } from './docker-launcher.js';
import { LauncherError } from './errors.js';
import { connectorsDirsFromEnv, findConnectorPackage } from './find-connector-package.js';
import { ProcessLauncher, type ProcessLauncherOptions } from './process-launcher.js';
import { splitCommand } from './split-command.js';
import type { Executor } from '../generated/connection.js';
import type { Launcher } from './types.js';

export { CONNECTORS_ENV, DEFAULT_CONNECTORS_DIR } from './find-connector-package.js';

/**
 * Which connector to run: a connector package (`destination-postgres`, `@backflow/destination-postgres`;
 * its image is `backflow/<package name without scope>:<package version>`), a Docker image
 * (`x/y:tag`), or a local program (`node path/main.js`).
 */
export type ConnectorRef = { name: string } | { image: string } | { command: string };

/** How connector packages referenced by name are run (declared by the connection schema). */
export type { Executor } from '../generated/connection.js';

/** Options of {@link resolveConnector}. */
export interface ResolveConnectorOptions {
  /** Used for `{ name }` refs; images always run in Docker and commands as processes. */
  executor: Executor;
  /**
   * Folders of connector packages (one sub-folder per connector) searched before `node_modules`;
   * default: the folders in `BACKFLOW_CONNECTORS` (separated like PATH).
   */
  connectorsDir?: string | readonly string[];
  /**
   * Folders from which installed connector packages are looked up in `node_modules`, as Node
   * resolves packages (the runner's own location is always searched too); default: the cwd.
   */
  searchFrom?: readonly string[];
  /** Options for Docker launchers (the image comes from the ref). */
  docker?: Omit<DockerLauncherOptions, 'image'>;
  /** Options for process launchers (the command comes from the ref). */
  process?: Omit<ProcessLauncherOptions, 'command'>;
}

/** Turns a connector reference into the launcher that runs it. */
export async function resolveConnector(ref: ConnectorRef, options: ResolveConnectorOptions): Promise<Launcher> {
  if ('image' in ref) return new DockerLauncher({ ...options.docker, image: ref.image });
  if ('command' in ref) {
    let command: string[];
    try {
      command = splitCommand(ref.command);
    } catch (error) {
      throw new LauncherError('INVALID_INVOCATION', (error as Error).message);
    }
    if (command.length === 0) throw new LauncherError('INVALID_INVOCATION', 'empty connector command');
    return new ProcessLauncher({ ...options.process, command });
  }
  const pkg = await findConnectorPackage(ref.name, {
    connectorsDirs: options.connectorsDir === undefined ? connectorsDirsFromEnv() : [options.connectorsDir].flat(),
    searchFrom: options.searchFrom ?? [process.cwd()],
  });
  if (options.executor === 'docker') {
    const image = `backflow/${pkg.name.replace(/^@[^/]+\//, '')}:${pkg.version}`;
    return new DockerLauncher({ ...options.docker, image });
  }
  return new ProcessLauncher({ ...options.process, command: [process.execPath, pkg.main] });
}
