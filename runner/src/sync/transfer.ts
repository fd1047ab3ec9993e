import { setTimeout as sleep } from 'node:timers/promises';
import {
  compileSchema,
  ProtocolError,
  LineWriter,
  type AirbyteMessage,
  type ConfiguredAirbyteCatalog,
  type RejectedRecord,
} from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import type { ConnectorTarget } from '../connectors/connector-commands.js';
import { ConnectorSession } from '../connectors/connector-session.js';
import { DIFF_BATCH, type Decision, type StreamDiffer } from '../diff/stream-differ.js';
import { ConnectorFailure, InterruptedError, RunnerError } from '../errors.js';
import type { StreamCounts } from '../report/events.js';
import type { Reporter } from '../report/reporter.js';
import type { RunRow, SyncSession } from '../store/types.js';
import { CheckpointWriter, type CommitParts } from './checkpoint-writer.js';
import { InFlightRecords, type SentRecord, type Settled } from './in-flight.js';
import { StateLedger, type Commit } from './state-ledger.js';

export interface RetrySettings {
  readonly rounds: number;
  readonly backoffMs: number;
  readonly maxRows: number;
}

export interface TransferPlan {
  readonly connection: string;
  readonly source: ConnectorTarget & { config: unknown };
  readonly destination: ConnectorTarget & { config: unknown };
  /** The catalog the source reads. */
  readonly catalog: ConfiguredAirbyteCatalog;
  /** The catalog the destination receives (mapped schemas and keys). */
  readonly destinationCatalog: ConfiguredAirbyteCatalog;
  readonly states: readonly unknown[];
  /** The connection's store, opened for this run: every commit goes through it. */
  readonly session: SyncSession;
  /** The diff of each stream, by stream key. */
  readonly differs: ReadonlyMap<string, StreamDiffer>;
  readonly checkpointEvery: number;
  readonly idleMs: number;
  readonly retries: RetrySettings;
  readonly signal?: AbortSignal;
}

export interface TransferResult {
  readonly counts: Map<string, StreamCounts>;
  readonly rejections: RejectedRecord[];
  readonly invalid: RunRow[];
  readonly committedStates: number;
  readonly error?: RunnerError;
}

/** Rejections and invalid rows kept in memory per run for the summary; the counts are always exact. */
const MAX_KEPT_ROWS = 10_000;
const PROGRESS_INTERVAL_MS = 250;
/** Longest wait for the echo that tells which records to resend, and longest silence of the destination meanwhile. */
const ECHO_WAIT_MS = 60_000;
const ECHO_SILENCE_MS = 10_000;
const ECHO_POLL_MS = 250;

/**
 * Moves records from the source's `read` to the destination's `write`: every message
 * validated, records checked against their stream's schema, diffed against what was
 * delivered before so only what the stream's behaviour needs is sent, writes awaited
 * (backpressure end to end, so memory stays flat), and each state — and each row's
 * fingerprint — persisted only once the destination echoes a checkpoint after it. The runner
 * injects its own checkpoints so commits happen at least every `checkpointEvery` records.
 */
export async function transfer(plan: TransferPlan, reporter: Reporter): Promise<TransferResult> {
  const counts = new Map<string, StreamCounts>();
  const matchingKeys = new Map<string, readonly string[][]>();
  for (const [key, differ] of plan.differs) {
    counts.set(key, differ.counts);
    matchingKeys.set(key, differ.settings.matchingKeys);
  }
  const rejections: RejectedRecord[] = [];
  const invalid: RunRow[] = [];
  const ledger = new StateLedger();
  const inFlight = new InFlightRecords((stream) => matchingKeys.get(stream) ?? []);
  const retryQueue: SentRecord[] = [];
  const lastRejection = new Map<SentRecord, RejectedRecord>();
  const writer = new CheckpointWriter(plan.session, counts);
  let committedStates = 0;
  let failure: RunnerError | undefined;
  let waitingOnDestination = false;
  let destinationGone = false;
  let unmatchedWarned = false;

  await using destination = await ConnectorSession.start(
    plan.destination.launcher,
    {
      name: plan.destination.name,
      command: 'write',
      files: { config: plan.destination.config, catalog: plan.destinationCatalog },
    },
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
    inFlight.release();
  };
  const onAbort = () =>
    fail(new InterruptedError('interrupted by signal: connectors stopped, state kept at the last commit'));
  plan.signal?.addEventListener('abort', onAbort, { once: true });
  if (plan.signal?.aborted) onAbort();

  const watchdog = setInterval(
    () => {
      const silentMs = Date.now() - Math.max(source.lastActivity, destination.lastActivity);
      if (silentMs < plan.idleMs) return;
      const culprit = waitingOnDestination ? destination.name : source.name;
      fail(
        new ConnectorFailure(
          culprit,
          `no output for ${Math.round(silentMs / 1000)}s: considered hung (timeouts.idle_seconds)`,
        ),
      );
    },
    Math.min(1000, plan.idleMs),
  );
  watchdog.unref();

  const progress = throttledProgress(counts, reporter);
  const validators = new Map(
    plan.catalog.streams.map((configured) => {
      const key = streamKey(configured.stream);
      try {
        return [key, compileSchema(configured.stream.json_schema as object)] as const;
      } catch (error) {
        throw new ConnectorFailure(
          plan.source.name,
          `stream "${key}" has an invalid json_schema: ${(error as Error).message}`,
        );
      }
    }),
  );

  // Batched writes: one syscall per ~64 KiB rather than per record, with backpressure.
  const toDestination = new LineWriter(destination.stdin);
  const send = async (message: AirbyteMessage) => {
    waitingOnDestination = true;
    try {
      await toDestination.write(message);
    } catch {
      destinationGone = true;
    } finally {
      waitingOnDestination = false;
    }
  };

  let lastStream: { name: string; namespace?: string } | undefined;
  const descriptors = new Map(plan.catalog.streams.map((c) => [streamKey(c.stream), descriptorOf(c.stream)]));

  const undelivered = (row: RunRow) => {
    writer.undelivered(row);
    if (row.kind === 'invalid' && invalid.length < MAX_KEPT_ROWS) invalid.push(row);
  };
  const refuse = (stream: string, rejection: RejectedRecord) => {
    counts.get(stream)!.rejected++;
    if (rejections.length < MAX_KEPT_ROWS) rejections.push(rejection);
    const row: RunRow = {
      stream,
      kind: 'rejected',
      key: rejection.key,
      reason: rejection.reason,
      retryable: rejection.retryable,
      ...(rejection.field !== undefined ? { field: rejection.field } : {}),
    };
    writer.undelivered(row);
  };

  // Unconfirmed records are kept (to learn their fate from the echo), so their number is
  // bounded: past it the sender waits for echoes, which also lets the event loop read them
  // when the source outpaces everything else. A destination that confirms nothing for a
  // while (some commit only when their input ends) lifts the bound with a warning.
  const maxUnconfirmed = 2 * plan.checkpointEvery;
  let unboundedInFlight = false;
  const sendRecord = async (record: SentRecord) => {
    if (!unboundedInFlight && inFlight.size >= maxUnconfirmed && !destinationGone && !failure) {
      if (!(await inFlight.room(plan.checkpointEvery, ECHO_WAIT_MS))) {
        unboundedInFlight = true;
        reporter.log(
          'runner',
          'WARN',
          `${destination.name} confirmed nothing for ${ECHO_WAIT_MS / 1000}s while records flowed: unconfirmed records are now kept in memory until it does`,
        );
      }
    }
    const descriptor = descriptors.get(record.stream)!;
    await send({
      type: 'RECORD',
      record: {
        stream: descriptor.name,
        ...(descriptor.namespace ? { namespace: descriptor.namespace } : {}),
        data: record.data,
        emitted_at: Date.now(),
        ...(record.op === 'delete' ? { operation: 'delete' as const } : {}),
      },
    });
    inFlight.add(record);
    ledger.recordSent(record.stream);
    counts.get(record.stream)!.sent++;
    lastStream = descriptor;
    progress(record.stream);
    if (ledger.recordsSinceLastState >= plan.checkpointEvery) {
      await send({ type: 'STATE', state: ledger.runnerCheckpoint(descriptor) });
    }
  };

  const dispatch = async (stream: string, decisions: readonly Decision[]) => {
    const differ = plan.differs.get(stream)!;
    for (const decision of decisions) {
      if (destinationGone || failure) return;
      if (decision.kind === 'send') {
        await sendRecord({
          stream,
          streamId: differ.settings.streamId,
          key: decision.key,
          op: decision.op,
          hash: decision.hash,
          matchKey: decision.matchKey,
          data: decision.data,
        });
      } else if (decision.kind === 'invalid') {
        undelivered({
          stream,
          kind: 'invalid',
          key: decision.key,
          reason: decision.reason,
          retryable: false,
          ...(decision.field !== undefined ? { field: decision.field } : {}),
        });
      } else {
        const descriptor = descriptors.get(stream)!;
        refuse(stream, {
          stream: descriptor.name,
          ...(descriptor.namespace ? { namespace: descriptor.namespace } : {}),
          key: decision.key,
          reason: decision.reason,
          retryable: false,
          ...(decision.field !== undefined ? { field: decision.field } : {}),
        });
      }
    }
  };

  const drainAll = async () => {
    for (const [stream, differ] of plan.differs) {
      if (differ.queued > 0) await dispatch(stream, await differ.flush());
    }
  };

  /**
   * Asks the destination to commit and waits for its echo, to learn which records it refused
   * for now — but not forever: some destinations commit only when their input ends, so a
   * destination silent for a while (or a long wait) ends the waiting, and what it refused is
   * sent again next run instead.
   */
  const settleAll = async (): Promise<boolean> => {
    if (lastStream && ledger.recordsSinceLastState > 0) {
      await send({ type: 'STATE', state: ledger.runnerCheckpoint(lastStream) });
    }
    if (destinationGone || failure) return false;
    const asked = Date.now();
    const idle = inFlight.idle().then(() => true);
    for (;;) {
      const settled = await Promise.race([idle, sleep(ECHO_POLL_MS, false, { ref: false })]);
      if (settled) return true;
      const now = Date.now();
      const silent = now - Math.max(asked, destination.lastActivity);
      if (silent >= ECHO_SILENCE_MS || now - asked >= ECHO_WAIT_MS || destinationGone || failure) return false;
    }
  };

  const resendRejected = async () => {
    for (let round = 0; round < plan.retries.rounds; round++) {
      if (!(await settleAll())) return;
      if (retryQueue.length === 0 || failure || destinationGone) return;
      const wait = plan.retries.backoffMs * 2 ** round;
      reporter.log(
        'runner',
        'INFO',
        `resending ${retryQueue.length} record(s) the destination refused for now, in ${wait} ms`,
      );
      await sleep(wait, undefined, plan.signal ? { signal: plan.signal } : {}).catch(() => undefined);
      const batch = retryQueue.splice(0);
      for (const [i, record] of batch.entries()) {
        if (failure || destinationGone) {
          retryQueue.push(...batch.slice(i));
          return;
        }
        await sendRecord(record);
      }
    }
  };

  const forward = async () => {
    for await (const { line, message } of source.messages()) {
      if (destinationGone || failure) break;
      if (message.type === 'RECORD' && message.record) {
        const record = message.record;
        const key = streamKey(
          record.namespace ? { name: record.stream, namespace: record.namespace } : { name: record.stream },
        );
        const validate = validators.get(key);
        const differ = plan.differs.get(key);
        if (!validate || !differ) {
          throw new ConnectorFailure(source.name, `RECORD for stream "${key}", which is not in the catalog`, { line });
        }
        const invalidRecord = validate.check(record.data, { source: `stream "${key}" record`, line });
        if (invalidRecord) {
          throw new ConnectorFailure(source.name, `RECORD does not match its stream schema: ${invalidRecord.message}`, {
            line,
          });
        }
        counts.get(key)!.read++;
        const decided = differ.add(record.data as Record<string, unknown>);
        if (decided.length > 0) await dispatch(key, decided);
        if (differ.queued >= DIFF_BATCH) await dispatch(key, await differ.flush());
        progress(key);
      } else if (message.type === 'STATE' && message.state) {
        // Records read before a source state are sent before it, so its echo covers them.
        await drainAll();
        ledger.sourceStateSent(message.state);
        await send(message);
      }
    }
    if (failure || destinationGone) return;
    await drainAll();
    await source.finish();
    for (const [stream, differ] of plan.differs) {
      for await (const decisions of differ.finishRead(true)) {
        await dispatch(stream, decisions);
        if (failure || destinationGone) return;
      }
    }
    await resendRejected();
    if (lastStream && ledger.recordsSinceLastState > 0) {
      await send({ type: 'STATE', state: ledger.runnerCheckpoint(lastStream) });
    }
  };

  /** Counts what an echo settled; returns the records to keep for the next run. */
  const applySettled = (settled: Settled) => {
    for (const [stream, count] of settled.accepted) counts.get(stream)!.committed += count;
    for (const { record, rejection } of settled.refused) refuse(record.stream, rejection);
    const notRetried: SentRecord[] = [];
    for (const { record, rejection } of settled.retryable) {
      if (retryQueue.length < plan.retries.maxRows && plan.retries.rounds > 0) {
        lastRejection.delete(record);
        lastRejection.set(record, rejection);
        retryQueue.push(record);
      } else {
        refuse(record.stream, rejection);
        notRetried.push(record);
      }
    }
    for (const rejection of settled.unmatched) {
      const stream = streamKey({
        name: rejection.stream,
        ...(rejection.namespace ? { namespace: rejection.namespace } : {}),
      });
      if (counts.has(stream)) refuse(stream, rejection);
      if (!unmatchedWarned) {
        unmatchedWarned = true;
        reporter.log(
          'runner',
          'WARN',
          `the destination rejected a record whose key matches none sent (${JSON.stringify(rejection.key)})`,
        );
      }
    }
    return notRetried;
  };

  const applyCommit = async (commit: Commit) => {
    const settled = inFlight.settle(commit.sentThrough, commit.rejected);
    const notRetried = applySettled(settled);
    // States, fingerprints, kept records and history rows in one transaction: all or nothing.
    await writer.commit({
      states: commit.sourceStates.map((state) => scrubState(state, reporter)),
      outcomes: settled.outcomes,
      kept: keptForNextRun(plan, notRetried),
    });
    committedStates += commit.sourceStates.length;
    reporter.emit({ type: 'committed', streams: [...commit.records.keys()], recordsCommitted: sum(commit.records) });
  };

  const receive = async () => {
    for await (const { line, message } of destination.messages()) {
      if (message.type !== 'STATE' || !message.state) continue;
      const commit = ledger.echoed(message.state);
      if (!commit) throw new ConnectorFailure(destination.name, 'echoed a STATE that the runner never sent', { line });
      await applyCommit(commit);
    }
    inFlight.release();
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
  await toDestination.flush().catch(() => (destinationGone = true));
  destination.stdin.end();
  await destinationDone;
  // Refused for now in the last round (or never resent): reported, and sent again next run —
  // by the diff for full-refresh streams, from the store for incremental ones.
  const leftovers = retryQueue.splice(0);
  for (const record of leftovers) refuse(record.stream, lastRejection.get(record)!);
  await writer
    .commit({ kept: keptForNextRun(plan, leftovers) })
    .then(() => writer.flush())
    .catch((error: unknown) => {
      failure ??= asRunnerError(error, 'runner');
    });
  clearInterval(watchdog);
  plan.signal?.removeEventListener('abort', onAbort);
  for (const key of counts.keys()) progress(key, true);

  if (!failure && ledger.unconfirmed > 0) {
    failure = new ConnectorFailure(
      destination.name,
      `exited without confirming ${ledger.unconfirmed} record(s) (no STATE echoed after them); they will be sent again next run`,
    );
  }
  return { counts, rejections, invalid, committedStates, ...(failure ? { error: failure } : {}) };
}

/** Records refused for now on incrementally read streams, kept to resend next run. */
function keptForNextRun(plan: TransferPlan, records: readonly SentRecord[]): CommitParts['kept'] {
  const byStream = new Map<number, SentRecord[]>();
  for (const record of records) {
    const differ = plan.differs.get(record.stream);
    if (
      record.op !== 'upsert' ||
      record.streamId === undefined ||
      record.key === undefined ||
      differ?.settings.detectRemoved !== false
    )
      continue;
    byStream.set(record.streamId, [...(byStream.get(record.streamId) ?? []), record]);
  }
  return [...byStream].map(([stream, kept]) => ({
    stream,
    records: kept.map((r) => ({ key: r.key!, hash: r.hash, matchKey: r.matchKey, data: JSON.stringify(r.data) })),
  }));
}

function descriptorOf(stream: { name: string; namespace?: string | null }): { name: string; namespace?: string } {
  return stream.namespace ? { name: stream.name, namespace: stream.namespace } : { name: stream.name };
}

function asRunnerError(error: unknown, connector: string): RunnerError {
  if (error instanceof RunnerError) return error;
  if (error instanceof ProtocolError)
    return new ConnectorFailure(connector, error.message, { line: error.line, cause: error });
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
