export type { ConnectorExit, ConnectorInvocation, ConnectorProcess, Launcher } from './types.js';
export { LauncherError, type LauncherErrorCode } from './errors.js';
export { DEFAULT_INHERITED_ENV, ProcessLauncher, type ProcessLauncherOptions } from './process-launcher.js';
export {
  CONTAINER_FILES_DIR,
  DockerLauncher,
  containersRemoved,
  type ContainerStart,
  type DockerLauncherOptions,
} from './docker-launcher.js';
export { NOBODY, containerUser, type ContainerMount, type ContainerUser } from './container-mounts.js';
export { configPaths, type ConfigPath, type PathAccess } from './config-paths.js';
export { LABELS } from './docker-labels.js';
export { removeStaleContainers, type RemoveStaleContainersOptions } from './stale-containers.js';
export { removeStaleInvocationDirs } from './invocation-files.js';
export { removeLeftovers, type RemoveLeftoversOptions } from './leftovers.js';
export {
  CONNECTORS_ENV,
  DEFAULT_CONNECTORS_DIR,
  resolveConnector,
  type ConnectorRef,
  type Executor,
  type ResolveConnectorOptions,
} from './resolve-connector.js';
export { dockerOptions, launcherForEndpoint } from './endpoint-launcher.js';
export { keepContainersWarm, type EarlyStart } from './early-containers.js';
