import { ProtocolError, compileSchema, type ConnectorSpecification } from '@backflow/protocol';
import { collectSecrets } from '@backflow/protocol/connector';
import {
  discoverDestination,
  discoverSource,
  fetchSpec,
  type ConnectorTarget,
} from '../connectors/connector-commands.js';
import { cachedSpec, specCacheKey } from '../connectors/spec-cache.js';
import type { LoadedConnection } from '../connection/load-connection.js';
import { ConfigurationError, RunnerError } from '../errors.js';
import type { Endpoint } from '../generated/connection.js';
import { launcherForEndpoint, type Executor } from '../launchers/index.js';
import { checkMappedFields } from '../mapping/check-mapping.js';
import type { Reporter } from '../report/reporter.js';
import { configureStreams, type ConfiguredStream } from './configured-catalog.js';

export type Target = ConnectorTarget & { config: unknown; spec: ConnectorSpecification };

export interface PrepareOptions {
  executor: Executor;
  connectorsDir?: string;
  /** Where connectors' specs are kept between runs (absent: fetched every time). */
  specCacheDir?: string;
}

export interface PreparedSync {
  readonly source: Target;
  readonly destination: Target;
  readonly streams: ConfiguredStream[];
}

/**
 * Everything before data moves: both connectors resolved and their configs checked against
 * their specs, the source discovered, streams configured, and mapped fields checked against
 * the fields the destination lists — so a wrong mapping fails before anything is sent.
 */
export async function prepareSync(
  connection: LoadedConnection,
  options: PrepareOptions,
  reporter: Reporter,
): Promise<PreparedSync> {
  const [source, destination] = await Promise.all([
    target(connection.source, 'source', options, connection, reporter),
    target(connection.destination, 'destination', options, connection, reporter),
  ]);
  const streams = configureStreams(
    await discoverSource(source, source.config, reporter),
    connection.streams,
    connection.file,
  );
  await checkMappings(destination, streams, reporter);
  return { source, destination, streams };
}

async function checkMappings(
  destination: Target,
  streams: readonly ConfiguredStream[],
  reporter: Reporter,
): Promise<void> {
  const mapped = streams.filter((s) => s.mapper);
  if (mapped.length === 0) return;
  let catalog;
  try {
    catalog = await discoverDestination(destination, destination.config, reporter);
  } catch (error) {
    if (!(error instanceof RunnerError)) throw error;
    reporter.log(
      'runner',
      'WARN',
      `mapped fields not checked: the destination cannot list its fields (${error.message})`,
    );
    return;
  }
  for (const stream of mapped) {
    if (!checkMappedFields(catalog, stream.object, stream.mapper!.fields, `${stream.where}/mapping`)) {
      reporter.log(
        'runner',
        'WARN',
        `mapped fields of ${stream.key} not checked: the destination lists no fields for "${stream.object}"`,
      );
    }
  }
}

/** Resolves an endpoint, fetches its spec and validates its config against it. */
async function target(
  endpoint: Endpoint,
  side: 'source' | 'destination',
  options: PrepareOptions,
  connection: LoadedConnection,
  reporter: Reporter,
): Promise<Target> {
  const { launcher, name } = await launcherForEndpoint(endpoint, options);
  const spec = await cachedSpec(options.specCacheDir, await specCacheKey(endpoint, options.connectorsDir), () =>
    fetchSpec({ name, launcher }, reporter),
  );
  const config = endpoint.config ?? {};
  reporter.addSecrets(collectSecrets(spec.connectionSpecification, config));
  try {
    compileSchema(spec.connectionSpecification as object)(config, `${connection.file} /${side}/config`);
  } catch (error) {
    if (error instanceof ProtocolError)
      throw new ConfigurationError(`invalid ${side} config for ${name}: ${error.message}`);
    throw error;
  }
  return { name, launcher, config, spec };
}
