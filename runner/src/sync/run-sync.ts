import { join } from 'node:path';
import type { RejectedRecord } from '@backflow/protocol';
import { connectionDir, loadConnection, type LoadedConnection } from '../connection/load-connection.js';
import type { FingerprintSession } from '../diff/fingerprint-session.js';
import { StreamDiffer } from '../diff/stream-differ.js';
import { EXIT_CODES, RunnerError, type ExitCode } from '../errors.js';
import type { Executor } from '../launchers/index.js';
import type { EventSink, Reporter } from '../report/reporter.js';
import { createReporter } from '../report/reporter.js';
import { emptyCounts, type EndStatus, type StreamCounts } from '../report/events.js';
import { isPostgresLocation } from '../store/location.js';
import { openStore } from '../store/open-store.js';
import type { RunRow, Store, SyncSession } from '../store/types.js';
import { catalogOf, type ConfiguredStream } from './configured-catalog.js';
import { prepareSync } from './prepare-sync.js';
import { transfer } from './transfer.js';

export const DEFAULT_CHECKPOINT_EVERY = 10_000;
export const DEFAULT_IDLE_SECONDS = 600;
export const DEFAULT_RETRY_ROUNDS = 3;
export const DEFAULT_RETRY_BACKOFF_SECONDS = 2;
export const DEFAULT_RETRY_MAX_ROWS = 10_000;

export interface SyncOptions {
  /** Overrides the connection file's `executor` (default `process`). */
  executor?: Executor;
  /** Receives progress, commit and log events as the sync runs. */
  onEvent?: EventSink;
  /** Aborting it stops both connectors; the summary then has status `interrupted`. */
  signal?: AbortSignal;
  /** Folder of connector packages for `connector:` references; default the repository's. */
  connectorsDir?: string;
  /**
   * The store to use instead of the connection file's `state` (which resolves next to the
   * connection file); the caller keeps it open.
   */
  store?: Store;
  /** Sends every row whatever was delivered before, and rebuilds the fingerprints (source states are reset too). */
  fullResync?: boolean;
  /** @internal the CLI's reporter, so its display sees everything. */
  reporter?: Reporter;
}

/** What a sync did, for people (printed) and machines (`--json`, the library API). */
export interface SyncSummary {
  connection: string;
  /** The run's id in the run history (`runner runs show <run>`), when it could be recorded. */
  run?: number;
  status: EndStatus;
  exitCode: ExitCode;
  executor: Executor;
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
  error?: { message: string; connector?: string; line?: number };
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
  try {
    const connection = typeof connectionOrFile === 'string' ? await loadConnection(connectionOrFile) : connectionOrFile;
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
        ...(isPostgresLocation(stateLocation) ? {} : { specCacheDir: join(stateLocation, 'specs') }),
      },
      reporter,
    );
    if (options.fullResync) await session.resetStates();
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
  } catch (caught) {
    error = caught;
  }
  await session?.settle().catch((caught: unknown) => (error ??= caught));
  const finishedAt = new Date();
  const totals = totalOf(counts);
  const exitCode: ExitCode =
    error instanceof RunnerError
      ? error.exitCode
      : error
        ? EXIT_CODES.failed
        : totals.rejected > 0 || totals.invalid > 0 || rejections.length > 0
          ? EXIT_CODES.rejected
          : EXIT_CODES.success;
  const status = exitCode === EXIT_CODES.interrupted ? 'interrupted' : error ? 'failed' : 'succeeded';
  reporter.emit({ type: 'finished', status, durationMs: finishedAt.getTime() - startedAt.getTime() });
  const described = error ? describeError(error, reporter) : undefined;
  const summary: SyncSummary = {
    connection: connectionName,
    ...(run !== undefined ? { run } : {}),
    status,
    exitCode,
    executor,
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

/** One differ per stream; streams without a primary key are not tracked (every row is sent). */
export async function createDiffers(
  streams: readonly ConfiguredStream[],
  session: FingerprintSession,
  mode: { fullResync: boolean; dryRun: boolean },
): Promise<Map<string, StreamDiffer>> {
  const differs = new Map<string, StreamDiffer>();
  for (const stream of streams) {
    const streamId = stream.primaryKey.length > 0 ? await session.streamId(stream.key) : undefined;
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

function describeError(error: unknown, reporter: Reporter): NonNullable<SyncSummary['error']> {
  const message = reporter.scrub(error instanceof Error ? error.message : String(error));
  const described: NonNullable<SyncSummary['error']> = { message };
  if (error && typeof error === 'object' && 'connector' in error) described.connector = String(error.connector);
  if (error && typeof error === 'object' && 'line' in error && typeof error.line === 'number')
    described.line = error.line;
  return described;
}
