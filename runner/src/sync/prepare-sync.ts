import { discoverDestination, discoverSource } from '../connectors/connector-commands.js';
import { resolveTarget, type Target } from '../connectors/connector-target.js';
import { connectionDir, type LoadedConnection } from '../connection/load-connection.js';
import { RunnerError } from '../errors.js';
import type { Executor } from '../launchers/index.js';
import { checkMappedFields } from '../mapping/check-mapping.js';
import type { Reporter } from '../report/reporter.js';
import { configureStreams, type ConfiguredStream } from './configured-catalog.js';

export type { Target };

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
  options: { executor: Executor; connectorsDir?: string },
  reporter: Reporter,
): Promise<PreparedSync> {
  const resolve = (side: 'source' | 'destination') =>
    resolveTarget(
      connection[side],
      connection[side].config ?? {},
      // Installed connectors are found from the connection file's folder, as its paths are, then the cwd's.
      { ...options, searchFrom: [connectionDir(connection), process.cwd()], workingDir: connectionDir(connection) },
      { side, file: connection.file },
      reporter,
    );
  const [source, destination] = await Promise.all([resolve('source'), resolve('destination')]);
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
