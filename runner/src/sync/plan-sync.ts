import type { SyncBehaviour } from '@backflow/protocol';
import { connectionDir, loadConnection, type LoadedConnection } from '../connection/load-connection.js';
import { selectStreams } from '../connection/select-streams.js';
import { ConnectorSession } from '../connectors/connector-session.js';
import type { Decision, StreamDiffer } from '../diff/stream-differ.js';
import { EXIT_CODES, RunnerError, type ExitCode } from '../errors.js';
import type { Executor } from '../launchers/index.js';
import type { EndStatus, StreamCounts } from '../report/events.js';
import { createReporter, type EventSink, type Reporter } from '../report/reporter.js';
import { openStore } from '../store/open-store.js';
import type { PlanSession, Store } from '../store/types.js';
import { catalogOf } from './configured-catalog.js';
import { prepareSync, type Target } from './prepare-sync.js';
import { readAndDiff } from './read-and-diff.js';
import { RecordValidator } from './record-validator.js';
import { createDiffers } from './run-sync.js';
import { targetChanges, type TargetChange } from './target-changes.js';
import { persistKey, streamStateKey } from '../store/state-keys.js';
import { DEFAULT_PLAN_SAMPLES } from './plan-defaults.js';

export interface PlanOptions {
  /** Only these streams of the connection file (by name); the others are left untouched. */
  streams?: readonly string[];
  executor?: Executor;
  onEvent?: EventSink;
  signal?: AbortSignal;
  connectorsDir?: string;
  /** Run `spec` and `discover` even when the connector cache has their answers. */
  refreshConnectors?: boolean;
  /** The store to use instead of the connection file's `state`; the caller keeps it open. */
  store?: Store;
  /** Plan a `--full-resync`: every row would be sent. */
  fullResync?: boolean;
  /** Rows shown per kind of change (default 5). */
  samples?: number;
  /** @internal */
  reporter?: Reporter;
}

export interface PlannedRow {
  /** Primary key (creates, updates, invalid) or matching key (deletes). */
  key: Record<string, unknown>;
  /** The record that would be sent (mapped); for invalid rows, the reason. */
  data?: Record<string, unknown>;
  reason?: string;
}

export interface StreamPlan {
  behaviour: SyncBehaviour;
  counts: Omit<StreamCounts, 'sent' | 'committed' | 'rejected'>;
  /** Records a sync would send, by what the destination does with them. */
  creates: number;
  updates: number;
  deletes: number;
  /** Rows the destination refused for good whose data has not changed: not sent again. */
  stillRejected: number;
  /** The stream now goes to another object, destination stream or mapping: a sync sends it in full. */
  targetChanged?: TargetChange;
  samples: { creates: PlannedRow[]; updates: PlannedRow[]; deletes: PlannedRow[]; invalid: PlannedRow[] };
}

/** What `runner plan` found: per stream, what a sync would do now. */
export interface PlanSummary {
  connection: string;
  status: EndStatus;
  exitCode: ExitCode;
  streams: Record<string, StreamPlan>;
  error?: { message: string };
}

/**
 * A dry run: reads the source and diffs it against the fingerprints exactly as a sync would,
 * and reports what a sync would create, update and delete — without starting the destination
 * (its `discover` may be asked for its fields, to check a mapping), writing a record, or
 * changing any state or fingerprint.
 */
export async function plan(
  connectionOrFile: string | LoadedConnection,
  options: PlanOptions = {},
): Promise<PlanSummary> {
  const reporter = options.reporter ?? createReporter(options.onEvent ? [options.onEvent] : []);
  let connectionName = typeof connectionOrFile === 'string' ? connectionOrFile : connectionOrFile.name;
  const streams: Record<string, StreamPlan> = {};
  let error: unknown;
  let session: PlanSession | undefined;
  let store: Store | undefined;
  try {
    const connection = selectStreams(
      typeof connectionOrFile === 'string' ? await loadConnection(connectionOrFile) : connectionOrFile,
      options.streams,
    );
    connectionName = connection.name;
    reporter.addSecrets(connection.envSecrets);
    const executor = options.executor ?? connection.executor ?? 'process';
    const prepared = await prepareSync(
      connection,
      {
        executor,
        ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}),
        ...(options.refreshConnectors ? { refreshConnectors: true } : {}),
      },
      reporter,
    );
    store = options.store ?? openStore(connection.state!, connectionDir(connection));
    session = await store.openPlan(connection.name);
    const changes = await targetChanges(prepared.streams, session);
    // A sync forgets a retargeted stream's state and fingerprints: the plan reads and diffs as it will.
    const forgotten = new Set([...changes.keys()].map(streamStateKey));
    const states = options.fullResync
      ? []
      : (await session.states()).filter((state) => !forgotten.has(persistKey(state)));
    const differs = await createDiffers(
      prepared.streams,
      session.fingerprints,
      { fullResync: options.fullResync ?? false, dryRun: true },
      new Set(changes.keys()),
    );
    const samples = options.samples ?? DEFAULT_PLAN_SAMPLES;
    for (const [key, differ] of differs) {
      const change = changes.get(key);
      streams[key] = { ...emptyPlan(differ.settings.behaviour), ...(change ? { targetChanged: change } : {}) };
    }
    const note = (stream: string, decisions: readonly Decision[]) => {
      const planned = streams[stream]!;
      const matchingKeys = differs.get(stream)!.settings.matchingKeys;
      for (const decision of decisions) notePlanned(planned, decision, samples, matchingKeys);
    };
    await readSource(
      prepared.source,
      catalogOf(prepared.streams, 'source'),
      states,
      differs,
      note,
      reporter,
      options.signal,
    );
    for (const [key, differ] of differs) Object.assign(streams[key]!.counts, countsOf(differ.counts));
  } catch (caught) {
    error = caught;
  }
  await session?.close().catch(() => undefined);
  if (store && !options.store) await store.close().catch(() => undefined);
  const exitCode: ExitCode =
    error instanceof RunnerError ? error.exitCode : error ? EXIT_CODES.failed : EXIT_CODES.success;
  return {
    connection: connectionName,
    status: exitCode === EXIT_CODES.interrupted ? 'interrupted' : error ? 'failed' : 'succeeded',
    exitCode,
    streams,
    ...(error ? { error: { message: reporter.scrub(error instanceof Error ? error.message : String(error)) } } : {}),
  };
}

/** Reads the source and diffs it exactly as a sync does, records checked against their schemas. */
async function readSource(
  source: Target,
  catalog: ReturnType<typeof catalogOf>,
  states: readonly unknown[],
  differs: Map<string, StreamDiffer>,
  note: (stream: string, decisions: readonly Decision[]) => void,
  reporter: Reporter,
  signal: AbortSignal | undefined,
): Promise<void> {
  const validator = new RecordValidator(source.name, catalog);
  const files: Record<string, unknown> = { config: source.config, catalog };
  if (states.length > 0) files['state'] = states;
  await using session = await ConnectorSession.start(
    source.launcher,
    { name: source.name, command: 'read', files },
    reporter,
  );
  const onAbort = () => void session.stop('interrupted').catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await readAndDiff(session, validator, differs, { decisions: note, stopped: () => false });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function notePlanned(
  planned: StreamPlan,
  decision: Decision,
  samples: number,
  matchingKeys: readonly string[][],
): void {
  if (decision.kind === 'invalid') {
    if (planned.samples.invalid.length < samples)
      planned.samples.invalid.push({ key: decision.key, reason: decision.reason });
    return;
  }
  if (decision.kind === 'still-rejected') {
    planned.stillRejected++;
    return;
  }
  const action = decision.op === 'delete' ? 'deletes' : actionOf(planned.behaviour, decision.change);
  planned[action]++;
  if (planned.samples[action].length < samples) {
    planned.samples[action].push({ key: keyOf(decision.matchKey, matchingKeys), data: decision.data });
  }
}

function actionOf(behaviour: SyncBehaviour, change: string): 'creates' | 'updates' {
  if (behaviour === 'update') return 'updates';
  if (behaviour === 'insert' || behaviour === 'append') return 'creates';
  return change === 'added' ? 'creates' : 'updates';
}

/** The destination key fields of a record to send (empty for streams without a key). */
function keyOf(matchKey: string, matchingKeys: readonly string[][]): Record<string, unknown> {
  const values = matchKey ? (JSON.parse(matchKey) as unknown[]) : [];
  return Object.fromEntries(matchingKeys.map((path, i) => [path.join('.'), values[i] ?? null]));
}

function emptyPlan(behaviour: SyncBehaviour): StreamPlan {
  return {
    behaviour,
    counts: { read: 0, added: 0, changed: 0, unchanged: 0, removed: 0, invalid: 0 },
    creates: 0,
    updates: 0,
    deletes: 0,
    stillRejected: 0,
    samples: { creates: [], updates: [], deletes: [], invalid: [] },
  };
}

function countsOf(counts: StreamCounts): StreamPlan['counts'] {
  const { sent: _sent, committed: _committed, rejected: _rejected, ...rest } = counts;
  return rest;
}
