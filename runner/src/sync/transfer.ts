import {
  compileSchema,
  ProtocolError,
  writeMessage,
  type AirbyteMessage,
  type ConfiguredAirbyteCatalog,
  type RejectedRecord,
} from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import type { ConnectorTarget } from '../connectors/connector-commands.js';
import { ConnectorSession } from '../connectors/connector-session.js';
import { ConnectorFailure, InterruptedError, RunnerError } from '../errors.js';
import type { StreamCounts } from '../report/events.js';
import type { Reporter } from '../report/reporter.js';
import type { StateStore } from '../state/state-store.js';
import { StateLedger, type Commit } from './state-ledger.js';

export interface TransferPlan {
  readonly connection: string;
  readonly source: ConnectorTarget & { config: unknown };
  readonly destination: ConnectorTarget & { config: unknown };
  readonly catalog: ConfiguredAirbyteCatalog;
  readonly states: readonly unknown[];
  readonly store: StateStore;
  readonly checkpointEvery: number;
  readonly idleMs: number;
  readonly signal?: AbortSignal;
}

export interface TransferResult {
  readonly counts: Map<string, StreamCounts>;
  readonly rejections: RejectedRecord[];
  readonly committedStates: number;
  readonly error?: RunnerError;
}

/** Rejections kept in memory per run for the summary; the count is always exact. */
const MAX_KEPT_REJECTIONS = 10_000;
const PROGRESS_INTERVAL_MS = 250;

/**
 * Moves records from the source's `read` to the destination's `write`: every message
 * validated, records checked against their stream's schema, writes awaited (backpressure end
 * to end, so memory stays flat), and each state persisted only once the destination echoes
 * it. The runner also injects its own checkpoints so commits happen at least every
 * `checkpointEvery` records even when the source emits no state.
 */
export async function transfer(plan: TransferPlan, reporter: Reporter): Promise<TransferResult> {
  const counts = new Map<string, StreamCounts>();
  for (const configured of plan.catalog.streams) {
    counts.set(streamKey(configured.stream), { read: 0, sent: 0, committed: 0, rejected: 0 });
  }
  const rejections: RejectedRecord[] = [];
  const ledger = new StateLedger();
  let committedStates = 0;
  let failure: RunnerError | undefined;
  let waitingOnDestination = false;
  let destinationGone = false;

  await using destination = await ConnectorSession.start(
    plan.destination.launcher,
    { name: plan.destination.name, command: 'write', files: { config: plan.destination.config, catalog: plan.catalog } },
    reporter,
  );
  // A destination that dies closes its stdin under us; the write then fails (EPIPE), which
  // must not crash the runner: the destination's own exit explains what happened.
  destination.stdin.on('error', () => (destinationGone = true));
  const sourceFiles: Record<string, unknown> = { config: plan.source.config, catalog: plan.catalog };
  if (plan.states.length > 0) sourceFiles['state'] = plan.states;
  await using source = await ConnectorSession.start(
    plan.source.launcher,
    { name: plan.source.name, command: 'read', files: sourceFiles },
    reporter,
  );

  const stopAll = (reason: string) => {
    void source.stop(reason).catch(() => undefined);
    void destination.stop(reason).catch(() => undefined);
  };
  const fail = (error: RunnerError) => {
    failure ??= error;
    stopAll(error.message);
  };
  const onAbort = () => fail(new InterruptedError('interrupted by signal: connectors stopped, state kept at the last commit'));
  plan.signal?.addEventListener('abort', onAbort, { once: true });
  if (plan.signal?.aborted) onAbort();

  const watchdog = setInterval(() => {
    const silentMs = Date.now() - Math.max(source.lastActivity, destination.lastActivity);
    if (silentMs < plan.idleMs) return;
    const culprit = waitingOnDestination ? destination.name : source.name;
    fail(new ConnectorFailure(culprit, `no output for ${Math.round(silentMs / 1000)}s: considered hung (timeouts.idle_seconds)`));
  }, Math.min(1000, plan.idleMs));
  watchdog.unref();

  const progress = throttledProgress(counts, reporter);
  const validators = new Map(
    plan.catalog.streams.map((configured) => {
      const key = streamKey(configured.stream);
      try {
        return [key, compileSchema(configured.stream.json_schema as object)] as const;
      } catch (error) {
        throw new ConnectorFailure(plan.source.name, `stream "${key}" has an invalid json_schema: ${(error as Error).message}`);
      }
    }),
  );

  const send = async (message: AirbyteMessage) => {
    waitingOnDestination = true;
    try {
      await writeMessage(destination.stdin, message);
    } catch {
      destinationGone = true;
    } finally {
      waitingOnDestination = false;
    }
  };

  const forward = async () => {
    let lastStream: { name: string; namespace?: string } | undefined;
    for await (const { line, message } of source.messages()) {
      if (destinationGone || failure) break;
      if (message.type === 'RECORD' && message.record) {
        const record = message.record;
        const descriptor = record.namespace ? { name: record.stream, namespace: record.namespace } : { name: record.stream };
        const key = streamKey(descriptor);
        const validate = validators.get(key);
        if (!validate) {
          throw new ConnectorFailure(source.name, `RECORD for stream "${key}", which is not in the catalog`, { line });
        }
        const invalid = validate.check(record.data, { source: `stream "${key}" record`, line });
        if (invalid) throw new ConnectorFailure(source.name, `RECORD does not match its stream schema: ${invalid.message}`, { line });
        const streamCounts = counts.get(key)!;
        streamCounts.read++;
        await send(message);
        ledger.recordSent(key);
        streamCounts.sent++;
        lastStream = descriptor;
        progress(key);
        if (ledger.recordsSinceLastState >= plan.checkpointEvery) {
          await send({ type: 'STATE', state: ledger.runnerCheckpoint(descriptor) });
        }
      } else if (message.type === 'STATE' && message.state) {
        ledger.sourceStateSent(message.state);
        await send(message);
      }
    }
    if (failure || destinationGone) return;
    await source.finish();
    if (lastStream && ledger.recordsSinceLastState > 0) {
      await send({ type: 'STATE', state: ledger.runnerCheckpoint(lastStream) });
    }
  };

  const applyCommit = async (commit: Commit) => {
    if (commit.sourceStates.length > 0) {
      await plan.store.commit(plan.connection, commit.sourceStates.map((state) => scrubState(state, reporter)));
      committedStates += commit.sourceStates.length;
    }
    for (const [key, count] of commit.records) counts.get(key)!.committed += count;
    for (const rejected of commit.rejected) {
      const key = streamKey({ name: rejected.stream, ...(rejected.namespace ? { namespace: rejected.namespace } : {}) });
      const streamCounts = counts.get(key);
      if (streamCounts) {
        streamCounts.rejected++;
        streamCounts.committed--;
      }
      if (rejections.length < MAX_KEPT_REJECTIONS) rejections.push(rejected);
    }
    reporter.emit({ type: 'committed', streams: [...commit.records.keys()], recordsCommitted: sum(commit.records) });
  };

  const receive = async () => {
    for await (const { line, message } of destination.messages()) {
      if (message.type !== 'STATE' || !message.state) continue;
      const commit = ledger.echoed(message.state);
      if (!commit) throw new ConnectorFailure(destination.name, 'echoed a STATE that the runner never sent', { line });
      await applyCommit(commit);
    }
    await destination.finish();
  };

  const sourceDone = forward().then(
    () => undefined,
    (error: unknown) => {
      // The destination still commits what it has: end its input rather than killing it.
      if (!failure) failure = asRunnerError(error, source.name);
      void source.stop('sync failed').catch(() => undefined);
    },
  );
  const destinationDone = receive().then(
    () => undefined,
    (error: unknown) => fail(asRunnerError(error, destination.name)),
  );
  await sourceDone;
  destination.stdin.end();
  await destinationDone;
  clearInterval(watchdog);
  plan.signal?.removeEventListener('abort', onAbort);
  for (const key of counts.keys()) progress(key, true);

  if (!failure && ledger.unconfirmed > 0) {
    failure = new ConnectorFailure(
      destination.name,
      `exited without confirming ${ledger.unconfirmed} record(s) (no STATE echoed after them); they will be sent again next run`,
    );
  }
  return { counts, rejections, committedStates, ...(failure ? { error: failure } : {}) };
}

function asRunnerError(error: unknown, connector: string): RunnerError {
  if (error instanceof RunnerError) return error;
  if (error instanceof ProtocolError) return new ConnectorFailure(connector, error.message, { line: error.line, cause: error });
  return new ConnectorFailure(connector, (error as Error)?.message ?? String(error), { cause: error });
}

/** States are persisted; a connector that put a secret in one must not get it written to disk. */
function scrubState<T>(state: T, reporter: Reporter): T {
  const text = JSON.stringify(state);
  const scrubbed = reporter.scrub(text);
  if (scrubbed === text) return state;
  reporter.log('runner', 'WARN', 'a committed state contained a secret value; it was redacted before being stored');
  return JSON.parse(scrubbed) as T;
}

function throttledProgress(counts: Map<string, StreamCounts>, reporter: Reporter) {
  const last = new Map<string, number>();
  return (stream: string, force = false) => {
    const now = Date.now();
    if (!force && now - (last.get(stream) ?? 0) < PROGRESS_INTERVAL_MS) return;
    last.set(stream, now);
    reporter.emit({ type: 'progress', stream, counts: { ...counts.get(stream)! } });
  };
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const value of map.values()) total += value;
  return total;
}
