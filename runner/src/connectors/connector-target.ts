import { ProtocolError, compileConfigSchema, type ConnectorSpecification } from '@backflow/protocol';
import { collectSecrets } from '@backflow/protocol/connector';
import { ConfigurationError } from '../errors.js';
import type { Endpoint, Executor } from '../generated/connection.js';
import { DockerLauncher, LauncherError, launcherForEndpoint } from '../launchers/index.js';
import type { Reporter } from '../report/reporter.js';
import type { ConnectorCache } from './connector-cache.js';
import { fetchSpec, type ConnectorTarget } from './connector-commands.js';
import { endpointIdentity } from './connector-identity.js';

/**
 * A connector, its spec, a config checked against that spec, and how it really runs; its
 * `identity` (version) keys the connector cache, when it has one.
 */
export type Target = ConnectorTarget & {
  config: unknown;
  spec: ConnectorSpecification;
  executor: Executor;
  identity?: string;
};

/**
 * Resolves an endpoint, fetches its spec and validates `config` against it — the one path
 * `sync`, `plan` and both kinds of `check` take, so they accept and refuse the same configs.
 * An unknown connector or an impossible invocation is a configuration error (exit 2), as is a
 * config the spec refuses; `where` names the config in messages.
 */
export async function resolveTarget(
  endpoint: Endpoint,
  config: unknown,
  options: Parameters<typeof launcherForEndpoint>[1],
  where: { side: string; file: string },
  reporter: Reporter,
  extras: { commandSeconds?: number | undefined; cache?: ConnectorCache | undefined } = {},
): Promise<Target> {
  const { launcher, name } = await resolveLauncher(endpoint, options);
  const deadline = extras.commandSeconds === undefined ? {} : { commandSeconds: extras.commandSeconds };
  const identity = extras.cache ? await endpointIdentity(endpoint, options) : undefined;
  const fetch = () => fetchSpec({ name, launcher, ...deadline }, reporter);
  const spec = extras.cache ? await extras.cache.spec(identity, fetch) : await fetch();
  if (launcher instanceof DockerLauncher) launcher.mountConfigPaths(spec.connectionSpecification);
  reporter.addSecrets(collectSecrets(spec.connectionSpecification, config));
  try {
    // As the connector will check it, its spec's defaults filled in (on a copy): the same
    // configs pass, and the connectors of this repository have that validator generated, so
    // the runner loads no ajv for it.
    compileConfigSchema(spec.connectionSpecification as object)(config, `${where.file} /${where.side}/config`);
  } catch (error) {
    if (error instanceof ProtocolError)
      throw new ConfigurationError(`invalid ${where.side} config for ${name}: ${error.message}`);
    throw error;
  }
  // An image runs in Docker and a command as a local process whatever `executor` says.
  const executor = endpoint.image ? 'docker' : endpoint.command ? 'process' : options.executor;
  return { name, launcher, config, spec, executor, ...deadline, ...(identity === undefined ? {} : { identity }) };
}

/** An endpoint's launcher; an unknown connector or impossible invocation is a configuration error. */
export async function resolveLauncher(
  endpoint: Endpoint,
  options: Parameters<typeof launcherForEndpoint>[1],
): Promise<ConnectorTarget> {
  try {
    return await launcherForEndpoint(endpoint, options);
  } catch (error) {
    if (error instanceof LauncherError && (error.code === 'UNKNOWN_CONNECTOR' || error.code === 'INVALID_INVOCATION'))
      throw new ConfigurationError(error.message, { cause: error });
    throw error;
  }
}
