import type { AirbyteCatalog } from '@backflow/protocol';
import { cacheDirFromEnv, ConnectorCache } from '../connectors/connector-cache.js';
import { discoverDestination, discoverSource } from '../connectors/connector-commands.js';
import { resolveTarget, type Target } from '../connectors/connector-target.js';
import { connectionDir, type LoadedConnection } from '../connection/load-connection.js';
import { RunnerError } from '../errors.js';
import type { EarlyStart, Executor } from '../launchers/index.js';
import { checkMappedFields } from '../mapping/check-mapping.js';
import type { Reporter } from '../report/reporter.js';
import { configureStreams, type ConfiguredStream } from './configured-catalog.js';

export type { Target };

export interface PrepareOptions {
  executor: Executor;
  connectorsDir?: string;
  /** Run `spec` and `discover` even when the connector cache has their answers. */
  refreshConnectors?: boolean;
  /** The sync's plans and containers started ahead, for its Docker launchers. */
  early?: EarlyStart;
}

export interface PreparedSync {
  readonly source: Target;
  readonly destination: Target;
  readonly streams: ConfiguredStream[];
  /** Drops the source catalog from the connector cache: a run that failed discovers again next time. */
  forgetCatalog(): Promise<void>;
}

/**
 * Everything before data moves: both connectors resolved and their configs checked against
 * their specs, the source discovered, streams configured, and mapped fields checked against
 * the fields the destination lists — so a wrong mapping fails before anything is sent.
 * Specs and the source's catalog come from the connector cache when it has them for this
 * connector version (and config), so an unchanged sync starts no connector before it reads.
 */
export async function prepareSync(
  connection: LoadedConnection,
  { refreshConnectors, ...options }: PrepareOptions,
  reporter: Reporter,
): Promise<PreparedSync> {
  const cache = new ConnectorCache(cacheDirFromEnv(), refreshConnectors);
  const resolve = (side: 'source' | 'destination') =>
    resolveTarget(
      connection[side],
      connection[side].config ?? {},
      // Installed connectors are found from the connection file's folder, as its paths are, then the cwd's.
      { ...options, searchFrom: [connectionDir(connection), process.cwd()], workingDir: connectionDir(connection) },
      { side, file: connection.file },
      reporter,
      { commandSeconds: connection.timeouts?.command_seconds, cache },
    );
  const [source, destination] = await Promise.all([resolve('source'), resolve('destination')]);
  // A kept catalog serves only if it has every stream asked for; a new one means discovering.
  const hasStreams = (catalog: AirbyteCatalog) =>
    connection.streams.every((wanted) =>
      catalog.streams.some(
        (s) => s.name === wanted.name && (wanted.namespace === undefined || s.namespace === wanted.namespace),
      ),
    );
  const discover = () =>
    cache.catalog(source.identity, source.config, hasStreams, () => discoverSource(source, source.config, reporter));
  const forgetCatalog = () => cache.forgetCatalog(source.identity, source.config);
  let streams: ConfiguredStream[];
  try {
    streams = configureStreams(await discover(), connection.streams, connection.file);
  } catch (error) {
    // A kept catalog may be older than a column the connection names: ask the source again.
    if (!(error instanceof RunnerError) || source.identity === undefined) throw error;
    await forgetCatalog();
    streams = configureStreams(await discover(), connection.streams, connection.file);
  }
  await checkMappings(destination, streams, reporter);
  return { source, destination, streams, forgetCatalog };
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
