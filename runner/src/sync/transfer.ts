import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfiguredAirbyteCatalog, RejectedRecord } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import type { ConnectorTarget } from '../connectors/connector-commands.js';
import { ConnectorSession } from '../connectors/connector-session.js';
import type { Decision, StreamDiffer } from '../diff/stream-differ.js';
import { asRunnerError, ConnectorFailure, InterruptedError, type RunnerError } from '../errors.js';
import type { StreamCounts } from '../report/events.js';
import type { Reporter } from '../report/reporter.js';
import { throttledProgress } from '../report/throttled-progress.js';
import type { RunRow, SyncSession } from '../store/types.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { CommitSettler, type RetrySettings } from './commit-settler.js';
import { DestinationChannel } from './destination-channel.js';
import { readAndDiff } from './read-and-diff.js';
import { RecordValidator } from './record-validator.js';
import type { StreamNames } from './stream-names.js';

export type { RetrySettings } from './commit-settler.js';

export interface TransferPlan {
  readonly connection: string;
  readonly source: ConnectorTarget & { config: unknown };
  readonly destination: ConnectorTarget & { config: unknown };
  /** The catalog the source reads. */
  readonly catalog: ConfiguredAirbyteCatalog;
  /** The catalog the destination receives (mapped schemas and keys, its own stream names). */
  readonly destinationCatalog: ConfiguredAirbyteCatalog;
  /** Each stream's name at the destination: records and states are renamed going out, echoes coming back. */
  readonly names: StreamNames;
  /** Each stream's delivery target, recorded with the run's first commit. */
  readonly targets: Readonly<Record<string, string>>;
  readonly states: readonly unknown[];
  /** The connection's store, opened for this run: every commit goes through it. */
  readonly session: SyncSession;
  /** The diff of each stream, by stream key. */
  readonly differs: ReadonlyMap<string, StreamDiffer>;
  readonly checkpointEvery: number;
  readonly idleMs: number;
  readonly retries: RetrySettings;
  /**
   * Stops the run gracefully: the source is stopped, what was sent is committed as one last
   * checkpoint, and the run ends interrupted with its state there.
   */
  readonly signal?: AbortSignal;
}

export interface TransferResult {
  readonly counts: Map<string, StreamCounts>;
  readonly rejections: RejectedRecord[];
  readonly invalid: RunRow[];
  readonly committedStates: number;
  readonly error?: RunnerError;
}

/**
 * Moves records from the source's `read` to the destination's `write`. Three parts do the
 * work: `readAndDiff` reads and validates the source and diffs each row against what was
 * delivered before; the `DestinationChannel` sends what the diff calls for (with the runner's
 * own checkpoints) and reads the destination's echoes; the `CommitSettler` turns each echo
 * into one store transaction. This function starts both connectors, wires the parts, retries
 * records refused for now, and stops everything on a failure, a hang or a signal.
 */
export async function transfer(plan: TransferPlan, reporter: Reporter): Promise<TransferResult> {
  const counts = new Map([...plan.differs].map(([key, differ]) => [key, differ.counts]));
  let failure: RunnerError | undefined;
  let draining = false;

  const sourceFiles: Record<string, unknown> = { config: plan.source.config, catalog: plan.catalog };
  if (plan.states.length > 0) sourceFiles['state'] = plan.states;
  // Both started at once: a container's start-up is paid once, not twice in a row.
  const [destinationStart, sourceStart] = await Promise.allSettled([
    ConnectorSession.start(
      plan.destination.launcher,
      {
        name: plan.destination.name,
        command: 'write',
        files: { config: plan.destination.config, catalog: plan.destinationCatalog },
      },
      reporter,
    ),
    ConnectorSession.start(
      plan.source.launcher,
      { name: plan.source.name, command: 'read', files: sourceFiles },
      reporter,
    ),
  ]);
  // The destination's failure is thrown first; the source that did start is then let go here.
  if (destinationStart.status === 'rejected' && sourceStart.status === 'fulfilled')
    await sourceStart.value[Symbol.asyncDispose]().catch(() => undefined);
  await using destination = started(destinationStart);
  await using source = started(sourceStart);

  const descriptors = new Map(plan.catalog.streams.map((c) => [streamKey(c.stream), descriptorOf(c.stream)]));
  const channel = new DestinationChannel(
    {
      name: destination.name,
      stdin: destination.stdin,
      get lastActivity() {
        return destination.lastActivity;
      },
      messages: () => plan.names.withSourceRejections(destination.messages()),
    },
    {
      checkpointEvery: plan.checkpointEvery,
      matchingKeys: (stream) => plan.differs.get(stream)?.settings.matchingKeys ?? [],
      descriptor: (stream) => plan.names.destinationOf(stream),
    },
    reporter,
    () => failure !== undefined,
  );
  const settler = new CommitSettler(
    new CheckpointWriter(plan.session, counts, plan.targets),
    counts,
    plan.retries,
    (stream) => plan.differs.get(stream)?.settings.detectRemoved === false,
    reporter,
  );
  const validator = new RecordValidator(plan.source.name, plan.catalog);
  const progress = throttledProgress(counts, reporter);
  const stopped = () => channel.gone || failure !== undefined || draining;

  const fail = (error: RunnerError) => {
    failure ??= error;
    void source.stop(error.message).catch(() => undefined);
    void destination.stop(error.message).catch(() => undefined);
    channel.release();
  };
  const onAbort = () => {
    draining = true;
    void source.stop('the run is stopping').catch(() => undefined);
  };
  plan.signal?.addEventListener('abort', onAbort, { once: true });
  if (plan.signal?.aborted) onAbort();
  const watchdog = setInterval(
    () => {
      const silentMs = Date.now() - Math.max(source.lastActivity, destination.lastActivity);
      if (silentMs < plan.idleMs) return;
      fail(
        new ConnectorFailure(
          channel.waiting ? destination.name : source.name,
          `no output for ${Math.round(silentMs / 1000)}s: considered hung (timeouts.idle_seconds)`,
        ),
      );
    },
    Math.min(1000, plan.idleMs),
  );
  watchdog.unref();

  /**
   * Sends what the diff decided; invalid and still-refused rows go to the history. Returns a
   * promise only when the destination makes it wait: the rest of the decisions follow then.
   */
  const route = (stream: string, decisions: readonly Decision[], from = 0): Promise<void> | undefined => {
    const streamId = plan.differs.get(stream)!.settings.streamId;
    for (let i = from; i < decisions.length; i++) {
      const decision = decisions[i]!;
      if (stopped()) return undefined;
      if (decision.kind === 'send') {
        const { key, op, hash, matchKey, data, line } = decision;
        const wait = channel.sendRecord(
          line !== undefined && channel.sendsLinesOf(stream)
            ? { stream, streamId, key, op, hash, matchKey, line }
            : { stream, streamId, key, op, hash, matchKey, data },
        );
        counts.get(stream)!.sent++;
        progress(stream);
        if (wait) return wait.then(() => route(stream, decisions, i + 1));
      } else if (decision.kind === 'invalid') {
        settler.invalidRow({ stream, kind: 'invalid', retryable: false, ...reasonOf(decision) });
      } else {
        const { name, namespace } = descriptors.get(stream)!;
        settler.refuse(stream, {
          stream: name,
          ...(namespace ? { namespace } : {}),
          retryable: false,
          ...reasonOf(decision),
        });
      }
    }
    return undefined;
  };

  /** Sends records refused for now again, with backoff, as long as rounds are left. */
  const resendRefused = async () => {
    for (let round = 0; round < plan.retries.rounds; round++) {
      if (!(await channel.settle())) return;
      const batch = settler.takeRetries();
      if (batch.length === 0 || stopped()) return settler.putBack(batch);
      const wait = plan.retries.backoffMs * 2 ** round;
      reporter.log(
        'runner',
        'INFO',
        `resending ${batch.length} record(s) the destination refused for now, in ${wait} ms`,
      );
      await sleep(wait, undefined, plan.signal ? { signal: plan.signal } : {}).catch(() => undefined);
      for (const [i, record] of batch.entries()) {
        if (stopped()) return settler.putBack(batch.slice(i));
        await channel.sendRecord(record);
        counts.get(record.stream)!.sent++;
      }
    }
  };

  const forward = async () => {
    let complete: boolean;
    try {
      complete = await readAndDiff(source, validator, plan.differs, {
        decisions: route,
        state: (state) => channel.forwardState(plan.names.stateForDestination(state)),
        read: (stream) => progress(stream),
        stopped,
      });
    } catch (error) {
      // A source stopped on purpose may end with an error of its own: that is the stop, not a failure.
      if (!draining) throw error;
      complete = false;
    }
    // Stopping: the records already sent are committed, and only then does the run end.
    if (!complete) return draining && !failure ? channel.checkpoint() : undefined;
    await resendRefused();
    await channel.checkpoint();
  };

  const sourceDone = forward().then(
    () => undefined,
    (error: unknown) => {
      // The destination still commits what it has: end its input rather than killing it.
      failure ??= asRunnerError(error, source.name);
      void source.stop('sync failed').catch(() => undefined);
    },
  );
  const destinationDone = channel
    .receive(async (commit, settled) => {
      await settler.apply(
        { ...commit, sourceStates: commit.sourceStates.map((state) => plan.names.stateFromDestination(state)) },
        settled,
      );
      // Each commit is shown as it happens: the committed counts move only here.
      for (const key of counts.keys()) progress(key, true);
    })
    .then(() => destination.finish())
    .catch((error: unknown) => fail(asRunnerError(error, destination.name)));
  await sourceDone;
  await channel.end();
  await destinationDone;
  await settler.finish().catch((error: unknown) => (failure ??= asRunnerError(error, 'runner')));
  clearInterval(watchdog);
  plan.signal?.removeEventListener('abort', onAbort);
  for (const key of counts.keys()) progress(key, true);
  if (draining)
    failure ??= new InterruptedError(
      'interrupted by signal: stopped after committing what was sent (state kept there)',
    );

  if (!failure && channel.unconfirmed > 0) {
    failure = new ConnectorFailure(
      destination.name,
      `exited without confirming ${channel.unconfirmed} record(s) (no STATE echoed after them); they will be sent again next run`,
    );
  }
  const { rejections, invalid, committedStates } = settler;
  return { counts, rejections, invalid, committedStates, ...(failure ? { error: failure } : {}) };
}

/** The session that started, or its failure. */
function started(result: PromiseSettledResult<ConnectorSession>): ConnectorSession {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

function reasonOf(decision: { key: Record<string, unknown>; reason: string; field?: string }) {
  return {
    key: decision.key,
    reason: decision.reason,
    ...(decision.field !== undefined ? { field: decision.field } : {}),
  };
}

function descriptorOf(stream: { name: string; namespace?: string | null }): { name: string; namespace?: string } {
  return stream.namespace ? { name: stream.name, namespace: stream.namespace } : { name: stream.name };
}
