import { ProtocolError, compileSchema, type ConnectorSpecification, type RejectedRecord } from '@backflow/protocol';
import { collectSecrets } from '@backflow/protocol/connector';
import { discoverSource, fetchSpec, type ConnectorTarget } from '../connectors/connector-commands.js';
import { loadConnection, type LoadedConnection } from '../connection/load-connection.js';
import { ConfigurationError, EXIT_CODES, RunnerError, type ExitCode } from '../errors.js';
import type { Endpoint } from '../generated/connection.js';
import { resolveConnector, type Executor } from '../launchers/index.js';
import type { EventSink, Reporter } from '../report/reporter.js';
import { createReporter } from '../report/reporter.js';
import type { StreamCounts } from '../report/events.js';
import { openStateStore } from '../state/open-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { configureCatalog } from './configured-catalog.js';
import { transfer } from './transfer.js';

export const DEFAULT_CHECKPOINT_EVERY = 10_000;
export const DEFAULT_IDLE_SECONDS = 600;

export interface SyncOptions {
  /** Overrides the connection file's `executor` (default `process`). */
  executor?: Executor;
  /** Receives progress, commit and log events as the sync runs. */
  onEvent?: EventSink;
  /** Aborting it stops both connectors; the summary then has status `interrupted`. */
  signal?: AbortSignal;
  /** Folder of connector packages for `connector:` references; default the repository's. */
  connectorsDir?: string;
  /** Overrides the connection file's state location. */
  stateStore?: StateStore;
  /** Base directory for a relative state location; default the current directory. */
  cwd?: string;
  /** @internal the CLI's reporter, so its display sees everything. */
  reporter?: Reporter;
}

/** What a sync did, for people (printed) and machines (`--json`, the library API). */
export interface SyncSummary {
  connection: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  exitCode: ExitCode;
  executor: Executor;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  streams: Record<string, StreamCounts>;
  totals: StreamCounts;
  /** Records the destination rejected (the first 10,000), with their keys and reasons. */
  rejections: RejectedRecord[];
  state: { location: string; committedStates: number };
  error?: { message: string; connector?: string; line?: number };
}

/**
 * Runs one sync: reads the connection file, checks both connectors' configs against their
 * specs, discovers and configures the catalog, then streams records from source to
 * destination, persisting state at each confirmed commit. Never throws for a failed sync:
 * the summary says what happened, with the exit code the CLI would use.
 */
export async function sync(connectionOrFile: string | LoadedConnection, options: SyncOptions = {}): Promise<SyncSummary> {
  const startedAt = new Date();
  const reporter = options.reporter ?? createReporter(options.onEvent ? [options.onEvent] : []);
  let connectionName = typeof connectionOrFile === 'string' ? connectionOrFile : connectionOrFile.name;
  let executor: Executor = options.executor ?? 'process';
  let counts = new Map<string, StreamCounts>();
  let rejections: RejectedRecord[] = [];
  let committedStates = 0;
  let stateLocation = '';
  let error: unknown;
  let store: StateStore | undefined;
  try {
    const connection = typeof connectionOrFile === 'string' ? await loadConnection(connectionOrFile) : connectionOrFile;
    connectionName = connection.name;
    executor = options.executor ?? connection.executor ?? 'process';
    reporter.addSecrets(connection.envSecrets);
    const resolveOptions = { executor, ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}) };
    const [source, destination] = await Promise.all([
      target(connection.source, 'source', resolveOptions, connection, reporter),
      target(connection.destination, 'destination', resolveOptions, connection, reporter),
    ]);
    const catalog = configureCatalog(await discoverSource(source, source.config, reporter), connection.streams, connection.file);
    store = options.stateStore ?? openStateStore(connection.state!, options.cwd ?? process.cwd());
    stateLocation = store.location;
    const states = await store.load(connection.name);
    reporter.emit({
      type: 'started',
      connection: connection.name,
      streams: catalog.streams.map((s) => s.stream.name),
      executor,
    });
    const result = await transfer(
      {
        connection: connection.name,
        source,
        destination,
        catalog,
        states,
        store,
        checkpointEvery: connection.checkpoint_every ?? DEFAULT_CHECKPOINT_EVERY,
        idleMs: (connection.timeouts?.idle_seconds ?? DEFAULT_IDLE_SECONDS) * 1000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      reporter,
    );
    counts = result.counts;
    rejections = result.rejections;
    committedStates = result.committedStates;
    error = result.error;
  } catch (caught) {
    error = caught;
  } finally {
    await store?.close().catch(() => undefined);
  }
  const finishedAt = new Date();
  const exitCode: ExitCode =
    error instanceof RunnerError
      ? error.exitCode
      : error
        ? EXIT_CODES.failed
        : rejections.length > 0 || [...counts.values()].some((c) => c.rejected > 0)
          ? EXIT_CODES.rejected
          : EXIT_CODES.success;
  const status = exitCode === EXIT_CODES.interrupted ? 'interrupted' : error ? 'failed' : 'succeeded';
  reporter.emit({ type: 'finished', status, durationMs: finishedAt.getTime() - startedAt.getTime() });
  return {
    connection: connectionName,
    status,
    exitCode,
    executor,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    streams: Object.fromEntries(counts),
    totals: totalOf(counts),
    rejections,
    state: { location: stateLocation, committedStates },
    ...(error ? { error: describeError(error, reporter) } : {}),
  };
}

/** Resolves an endpoint, fetches its spec and validates its config against it. */
async function target(
  endpoint: Endpoint,
  side: 'source' | 'destination',
  options: { executor: Executor; connectorsDir?: string },
  connection: LoadedConnection,
  reporter: Reporter,
): Promise<ConnectorTarget & { config: unknown; spec: ConnectorSpecification }> {
  const { launcher, name } = await launcherFor(endpoint, options);
  const spec = await fetchSpec({ name, launcher }, reporter);
  const config = endpoint.config ?? {};
  reporter.addSecrets(collectSecrets(spec.connectionSpecification, config));
  try {
    compileSchema(spec.connectionSpecification as object)(config, `${connection.file} /${side}/config`);
  } catch (error) {
    if (error instanceof ProtocolError) throw new ConfigurationError(`invalid ${side} config for ${name}: ${error.message}`);
    throw error;
  }
  return { name, launcher, config, spec };
}

export async function launcherFor(endpoint: Endpoint, options: { executor: Executor; connectorsDir?: string }) {
  const docker = {
    ...(endpoint.network ? { network: endpoint.network } : {}),
    ...(endpoint.memory_mb ? { memoryMb: endpoint.memory_mb } : {}),
    ...(endpoint.cpus ? { cpus: endpoint.cpus } : {}),
  };
  const resolve = { ...options, docker };
  if (endpoint.image) return { name: endpoint.image, launcher: await resolveConnector({ image: endpoint.image }, resolve) };
  if (endpoint.command) {
    return { name: endpoint.command, launcher: await resolveConnector({ command: endpoint.command }, resolve) };
  }
  return { name: endpoint.connector!, launcher: await resolveConnector({ name: endpoint.connector! }, resolve) };
}

function totalOf(counts: Map<string, StreamCounts>): StreamCounts {
  const total: StreamCounts = { read: 0, sent: 0, committed: 0, rejected: 0 };
  for (const c of counts.values()) {
    total.read += c.read;
    total.sent += c.sent;
    total.committed += c.committed;
    total.rejected += c.rejected;
  }
  return total;
}

function describeError(error: unknown, reporter: Reporter): NonNullable<SyncSummary['error']> {
  const message = reporter.scrub(error instanceof Error ? error.message : String(error));
  const described: NonNullable<SyncSummary['error']> = { message };
  if (error && typeof error === 'object' && 'connector' in error) described.connector = String(error.connector);
  if (error && typeof error === 'object' && 'line' in error && typeof error.line === 'number') described.line = error.line;
  return described;
}
