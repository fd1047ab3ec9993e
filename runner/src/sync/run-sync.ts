import type { RejectedRecord } from '@backflow/protocol';
import { dirname, resolve } from 'node:path';
import {
  connectionDir,
  loadConnection,
  loadConnectionLocation,
  type LoadedConnection,
} from '../connection/load-connection.js';
import { selectStreams } from '../connection/select-streams.js';
import type { FingerprintSession } from '../diff/fingerprint-session.js';
import { StreamDiffer } from '../diff/stream-differ.js';
import { ConnectorFailure, EXIT_CODES, InterruptedError, RunnerError, type ExitCode } from '../errors.js';
import {
  DockerLauncher,
  containersRemoved,
  removeLeftovers,
  type ContainerStart,
  type EarlyStart,
  type Executor,
  type Launcher,
} from '../launchers/index.js';
import type { EventSink, Reporter } from '../report/reporter.js';
import { createReporter } from '../report/reporter.js';
import { emptyCounts, type EndStatus, type FailureReason, type StreamCounts } from '../report/events.js';
import { openStore } from '../store/open-store.js';
import type { RunRow, Store, SyncSession } from '../store/types.js';
import { catalogOf, streamNamesOf, type ConfiguredStream } from './configured-catalog.js';
import { prepareSync } from './prepare-sync.js';
import { describeChange, targetChanges } from './target-changes.js';
import { transfer } from './transfer.js';

export const DEFAULT_CHECKPOINT_EVERY = 10_000;
export const DEFAULT_IDLE_SECONDS = 600;
export const DEFAULT_RETRY_ROUNDS = 3;
export const DEFAULT_RETRY_BACKOFF_SECONDS = 2;
export const DEFAULT_RETRY_MAX_ROWS = 10_000;

export interface SyncOptions {
  /** Only these streams of the connection file (by name); the others are left untouched. */
  streams?: readonly string[];
  /** Overrides the connection file's `executor` (default `process`). */
  executor?: Executor;
  /** Receives progress, commit and log events as the sync runs. */
  onEvent?: EventSink;
  /** Aborting it stops both connectors; the summary then has status `interrupted`. */
  signal?: AbortSignal;
  /** Folder of connector packages for `connector:` references; default the repository's. */
  connectorsDir?: string;
  /** Run `spec` and `discover` even when the connector cache has their answers. */
  refreshConnectors?: boolean;
  /**
   * The store to use instead of the connection file's `state` (which resolves next to the
   * connection file); the caller keeps it open.
   */
  store?: Store;
  /** Sends every row whatever was delivered before, and rebuilds the fingerprints (source states are reset too). */
  fullResync?: boolean;
  /** @internal the CLI's reporter, so its display sees everything. */
  reporter?: Reporter;
  /**
   * @internal the plans' folder this sync's Docker launchers keep their plans in, and the
   * containers started for it ahead (by bin/runner.js, or kept warm): see early-containers.ts.
   */
  early?: EarlyStart;
}

/** A connector of a run: its name (connector, image or command) and how it ran. */
export interface ConnectorRun {
  name: string;
  executor: Executor;
  /**
   * Under Docker, how the container that read or wrote the rows started: kept warm since an
   * earlier run (`--keep-warm`, `runner serve`), started ahead while the runner loaded, or
   * created when the run needed it.
   */
  container?: ContainerStart;
}

/** What a sync did, for people (printed) and machines (`--json`, the library API). */
export interface SyncSummary {
  connection: string;
  /** The run's id in the run history (`runner runs show <run>`), when it could be recorded. */
  run?: number;
  status: EndStatus;
  exitCode: ExitCode;
  /** The `executor` asked for (option, connection file, or `process`). */
  executor: Executor;
  /** Each connector as it really ran: an `image` runs in Docker and a `command` locally whatever `executor` says. */
  connectors?: { source: ConnectorRun; destination: ConnectorRun };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  streams: Record<string, StreamCounts>;
  totals: StreamCounts;
  /** Records the destination rejected (the first 10,000), with their keys and reasons. */
  rejections: RejectedRecord[];
  /** Rows not sent because they are invalid (the first 10,000), with their keys and reasons. */
  invalid: RunRow[];
  state: { location: string; committedStates: number };
  error?: FailureReason;
}

/**
 * Runs one sync: reads the connection file, checks both connectors' configs against their
 * specs, discovers and configures the catalog, then streams records from source to
 * destination — only the rows the diff and each stream's behaviour call for — persisting
 * state and fingerprints at each confirmed commit, and records the run in the history.
 * Never throws for a failed sync: the summary says what happened, with the exit code the CLI
 * would use.
 */
export async function sync(
  connectionOrFile: string | LoadedConnection,
  options: SyncOptions = {},
): Promise<SyncSummary> {
  const startedAt = new Date();
  const reporter = options.reporter ?? createReporter(options.onEvent ? [options.onEvent] : []);
  let connectionName = typeof connectionOrFile === 'string' ? connectionOrFile : connectionOrFile.name;
  let executor: Executor = options.executor ?? 'process';
  let counts = new Map<string, StreamCounts>();
  let rejections: RejectedRecord[] = [];
  let invalid: RunRow[] = [];
  let committedStates = 0;
  let stateLocation = '';
  let error: unknown;
  let store: Store | undefined;
  let session: SyncSession | undefined;
  let run: number | undefined;
  let connectors: SyncSummary['connectors'];
  try {
    await removeLeftovers({ log: (level, message) => reporter.log('runner', level, message) });
    const connection = selectStreams(
      typeof connectionOrFile === 'string' ? await loadConnection(connectionOrFile) : connectionOrFile,
      options.streams,
    );
    connectionName = connection.name;
    executor = options.executor ?? connection.executor ?? 'process';
    reporter.addSecrets(connection.envSecrets);
    store = options.store ?? openStore(connection.state!, connectionDir(connection));
    stateLocation = store.location;
    // The lock first: a second run of the connection stops here, before starting any connector.
    session = await store.openSync(connection.name);
    run = await session.startRun(startedAt.toISOString());
    const prepared = await prepareSync(
      connection,
      {
        executor,
        ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}),
        ...(options.refreshConnectors ? { refreshConnectors: true } : {}),
        ...(options.early ? { early: options.early } : {}),
      },
      reporter,
    );
    connectors = {
      source: { name: prepared.source.name, executor: prepared.source.executor },
      destination: { name: prepared.destination.name, executor: prepared.destination.executor },
    };
    if (options.fullResync) await session.resetStates();
    for (const [stream, change] of await targetChanges(prepared.streams, session)) {
      // Fingerprints of the old target say nothing of the new one; the old target is left as it is.
      reporter.log('runner', 'INFO', `${stream}: ${describeChange(change)}`);
      await session.resetStream(stream);
    }
    const states = await session.states();
    const differs = await createDiffers(prepared.streams, session.fingerprints, {
      fullResync: options.fullResync ?? false,
      dryRun: false,
    });
    counts = new Map([...differs].map(([key, differ]) => [key, differ.counts]));
    reporter.emit({ type: 'started', connection: connection.name, streams: [...differs.keys()], executor });
    const retries = connection.retries ?? {};
    const result = await transfer(
      {
        connection: connection.name,
        source: prepared.source,
        destination: prepared.destination,
        catalog: catalogOf(prepared.streams, 'source'),
        destinationCatalog: catalogOf(prepared.streams, 'destination'),
        names: streamNamesOf(prepared.streams),
        targets: Object.fromEntries(prepared.streams.map((s) => [s.key, s.target])),
        states,
        session,
        differs,
        checkpointEvery: connection.checkpoint_every ?? DEFAULT_CHECKPOINT_EVERY,
        idleMs: (connection.timeouts?.idle_seconds ?? DEFAULT_IDLE_SECONDS) * 1000,
        retries: {
          rounds: retries.rounds ?? DEFAULT_RETRY_ROUNDS,
          backoffMs: (retries.backoff_seconds ?? DEFAULT_RETRY_BACKOFF_SECONDS) * 1000,
          maxRows: retries.max_rows ?? DEFAULT_RETRY_MAX_ROWS,
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      reporter,
    );
    counts = result.counts;
    rejections = result.rejections;
    invalid = result.invalid;
    committedStates = result.committedStates;
    error = result.error;
    connectors = {
      source: { ...connectors.source, ...containerStart(prepared.source.launcher, 'read') },
      destination: { ...connectors.destination, ...containerStart(prepared.destination.launcher, 'write') },
    };
    // The kept catalog may be what failed the run (a column gone or retyped): discover next time.
    if (error) await prepared.forgetCatalog();
  } catch (caught) {
    // Ctrl-C signals the whole process group: a connector it killed while being prepared
    // (spec, discover) is the interruption, not a failure of its own.
    error =
      options.signal?.aborted && !(caught instanceof RunnerError && caught.exitCode === EXIT_CODES.interrupted)
        ? new InterruptedError('interrupted by signal before any record was sent', { cause: caught })
        : caught;
  }
  // A connection file that did not load (a variable not set, a field misspelt) still has a
  // history to record the failure in, when its name and state location can be read.
  if (!store && typeof connectionOrFile === 'string') {
    const opened = await openHistory(connectionOrFile, options.store, startedAt).catch(() => undefined);
    if (opened) {
      ({ store, session, run } = opened);
      connectionName = opened.name;
      stateLocation = store.location;
    }
  }
  await session?.settle().catch((caught: unknown) => (error ??= caught));
  // The connectors' containers are removed in the background as they end; none outlives the run.
  await containersRemoved(options.early).catch((caught: unknown) => (error ??= caught));
  const finishedAt = new Date();
  const totals = totalOf(counts);
  const exitCode: ExitCode =
    error instanceof RunnerError
      ? error.exitCode
      : error
        ? EXIT_CODES.failed
        : totals.rejected > 0 || rejections.length > 0
          ? EXIT_CODES.rejected
          : totals.invalid > 0
            ? EXIT_CODES.invalidRows
            : EXIT_CODES.success;
  // A run that sent records and had every one refused delivered nothing: it did not succeed.
  // (Rows only still refused from an earlier run, with nothing sent now, do not count.)
  const allRejected = totals.sent > 0 && totals.rejected > 0 && totals.committed === 0;
  const status = exitCode === EXIT_CODES.interrupted ? 'interrupted' : error || allRejected ? 'failed' : 'succeeded';
  const described = error
    ? describeError(error, reporter)
    : allRejected
      ? { message: `the destination rejected all ${totals.rejected} records sent` }
      : undefined;
  reporter.emit({
    type: 'finished',
    status,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    ...(described ? { error: described } : {}),
  });
  const summary: SyncSummary = {
    connection: connectionName,
    ...(run !== undefined ? { run } : {}),
    status,
    exitCode,
    executor,
    ...(connectors ? { connectors } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    streams: Object.fromEntries(counts),
    totals,
    rejections,
    invalid,
    state: { location: stateLocation, committedStates },
    ...(described ? { error: described } : {}),
  };
  if (session && run !== undefined) {
    await session
      .finishRun({
        finishedAt: summary.finishedAt,
        status,
        exitCode,
        streams: summary.streams,
        totals,
        ...(described ? { error: described.message } : {}),
      })
      .catch(() => undefined);
  }
  await session?.close().catch(() => undefined);
  if (store && !options.store) await store.close().catch(() => undefined);
  return summary;
}

/** The store, a session holding the lock and a started run, for a connection file that did not load. */
async function openHistory(
  file: string,
  given: Store | undefined,
  startedAt: Date,
): Promise<{ name: string; store: Store; session: SyncSession; run: number }> {
  const location = await loadConnectionLocation(file);
  const store = given ?? openStore(location.state, dirname(resolve(file)));
  try {
    const session = await store.openSync(location.name);
    return { name: location.name, store, session, run: await session.startRun(startedAt.toISOString()) };
  } catch (error) {
    if (!given) await store.close();
    throw error;
  }
}

/**
 * One differ per stream; streams without a primary key are not tracked (every row is sent),
 * nor, in a plan, streams listed in `untracked` (their fingerprints belong to another target).
 */
export async function createDiffers(
  streams: readonly ConfiguredStream[],
  session: FingerprintSession,
  mode: { fullResync: boolean; dryRun: boolean },
  untracked: ReadonlySet<string> = new Set(),
): Promise<Map<string, StreamDiffer>> {
  const differs = new Map<string, StreamDiffer>();
  for (const stream of streams) {
    const tracked = stream.primaryKey.length > 0 && !untracked.has(stream.key);
    const streamId = tracked ? await session.streamId(stream.key) : undefined;
    const settings = {
      stream: stream.key,
      streamId,
      behaviour: stream.behaviour,
      primaryKey: stream.primaryKey,
      matchingKeys: stream.matchingKeys,
      mapper: stream.mapper,
      detectRemoved: stream.readsAll,
      ...mode,
    };
    differs.set(stream.key, new StreamDiffer(settings, session, emptyCounts()));
  }
  return differs;
}

function totalOf(counts: Map<string, StreamCounts>): StreamCounts {
  const total = emptyCounts();
  for (const c of counts.values()) {
    for (const field of Object.keys(total) as (keyof StreamCounts)[]) total[field] += c[field];
  }
  return total;
}

function describeError(error: unknown, reporter: Reporter): FailureReason {
  const message = reporter.scrub(error instanceof Error ? error.message : String(error));
  const described: FailureReason = { message };
  if (error instanceof ConnectorFailure && error.failureType) described.failureType = error.failureType;
  if (error && typeof error === 'object' && 'connector' in error) described.connector = String(error.connector);
  if (error && typeof error === 'object' && 'line' in error && typeof error.line === 'number')
    described.line = error.line;
  return described;
}

/** How the container of a Docker launcher's `command` started, as the summary tells it. */
function containerStart(launcher: Launcher, command: 'read' | 'write'): Pick<ConnectorRun, 'container'> {
  const started = launcher instanceof DockerLauncher ? launcher.startOf(command) : undefined;
  return started === undefined ? {} : { container: started };
}
