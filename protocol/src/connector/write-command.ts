import type {
  AirbyteMessage,
  AirbyteRecordMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  RejectedRecord,
} from '../types.js';
import type {
  ConnectorContext,
  DestinationDefinition,
  DestinationWriter,
  IncomingRecord,
  Operation,
  Rejection,
} from './definitions.js';
import { matchingKeyPaths } from '../sync-behaviour.js';
import { BatchRejectedError, InternalError } from './errors.js';
import type { MessageOutput } from './output.js';
import { streamKey } from './stream-key.js';
import { InflightWrites, PendingStates } from './concurrent-writes.js';
import { RecordLine } from './record-line.js';

/** Records per `write` call when the destination declares no `limits.max_batch_size`. */
export const DEFAULT_BATCH_SIZE = 1000;

interface PendingStream {
  readonly configured: ConfiguredAirbyteStream;
  readonly keyPaths: string[][];
  records: IncomingRecord[];
  /** Records received since this stream's counts were last echoed. */
  unreported: number;
}

/**
 * Runs `write`: RECORDs are grouped per stream into batches of the declared size; a STATE is
 * forwarded only after every record before it has been written and committed, carrying the
 * count of records it covers (its own stream's, for a STREAM state) and every record the
 * destination rejected since the last STATE, whatever its stream: they were settled by this
 * commit, and the runner settles rejections at the echo that commits them.
 * By default one batch or commit runs at a time, while reading goes on: the next batch is
 * parsed while the destination writes the current one (one batch of read-ahead).
 * A destination declaring `limits.max_concurrency` above 1 has that many batches in flight
 * (see InflightWrites); a STATE then waits, in order, for the batches before it while later
 * ones go on, and its `commit` may run while later batches are still being written.
 * Other message types are not meant for destinations and are ignored, as Airbyte does.
 * Records after the last STATE are not committed: only a checkpoint makes a write count, so a
 * sync cut short resumes from its last state without duplicating rows.
 */
export async function runWrite<Config>(
  destination: DestinationDefinition<Config>,
  ctx: ConnectorContext<Config>,
  catalog: ConfiguredAirbyteCatalog,
  input: AsyncIterable<readonly AirbyteMessage[]>,
  output: MessageOutput,
): Promise<void> {
  const batchSize = destination.spec.limits?.max_batch_size ?? DEFAULT_BATCH_SIZE;
  const streams = new Map<string, PendingStream>();
  for (const configured of catalog.streams) {
    const keyPaths = matchingKeyPaths(configured);
    streams.set(streamKey(configured.stream), { configured, keyPaths, records: [], unreported: 0 });
  }
  const writer = await destination.open({ ...ctx, catalog });
  const inflight = new InflightWrites(destination.spec.limits?.max_concurrency ?? 1);
  const states = new PendingStates();
  const counts = new EchoCounts(streams);
  // One write or commit at a time, but reading goes on while it runs: the next batch is parsed
  // while the destination writes this one, and waits for it only to be written in turn.
  const sequential = inflight.limit <= 1;
  let previous: Promise<unknown> = Promise.resolve();
  // A write or commit that fails while input is awaited ends the wait: the sender may send
  // nothing more until it sees the echo, so the failure would otherwise go unseen.
  // (Not by racing one pending promise each read: every race would stay attached to it, and
  // with it every chunk of messages read.)
  let failure: { error: unknown } | undefined;
  let interrupt: ((error: unknown) => void) | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    interrupt?.(error);
  };

  const flush = async (pending: PendingStream) => {
    if (pending.records.length === 0) return;
    const records = pending.records;
    pending.records = [];
    const write = async () => {
      const rejections = await writeIsolating(writer, pending.configured, records);
      return rejections.map((rejection) => toRejectedRecord(pending, records, rejection));
    };
    if (sequential) {
      await previous;
      const started = write();
      started.catch(fail);
      previous = started;
      states.add(started);
      return;
    }
    const keys = records.map((record) => JSON.stringify(record.key));
    const { write: started } = await inflight.start(keys, write);
    started.catch(fail);
    states.add(started);
  };

  // Records mostly come in runs of one stream: the last lookup is kept for the next record.
  let last: { stream: string; namespace: string | undefined; pending: PendingStream } | undefined;
  const pendingOf = (record: AirbyteRecordMessage): PendingStream => {
    if (last && last.stream === record.stream && last.namespace === record.namespace) return last.pending;
    const name = streamKey({ name: record.stream, namespace: record.namespace });
    const pending = streams.get(name);
    if (!pending) throw new InternalError(`RECORD for stream "${name}", which is not in the configured catalog`);
    last = { stream: record.stream, namespace: record.namespace, pending };
    return pending;
  };

  const reader = input[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await new Promise<IteratorResult<readonly AirbyteMessage[]>>((resolve, reject) => {
        if (failure) return reject(failure.error);
        interrupt = reject;
        reader.next().then(resolve, reject);
      });
      if (next.done) break;
      for (const message of next.value) {
        if (message.type === 'RECORD' && message.record) {
          const pending = pendingOf(message.record);
          pending.records.push(incoming(message.record, pending.keyPaths));
          counts.received(pending);
          if (pending.records.length >= batchSize) await flush(pending);
        } else if (message.type === 'STATE' && message.state) {
          for (const pending of streams.values()) await flush(pending);
          const state = message.state;
          const recordCount = counts.echoed(state);
          states.enqueue(async (rejected) => {
            await writer.commit?.();
            await output.write({ type: 'STATE', state: withDestinationStats(state, recordCount, rejected) });
          });
          // One batch at a time keeps the old contract: commit never overlaps a write, so the
          // next write waits for this commit. Otherwise STATEs wait in order behind their
          // batches, at most as many as batches may be in flight.
          const emitted = states.done();
          emitted.catch(fail);
          if (sequential) previous = emitted;
          while (states.size > inflight.limit) await states.oldest();
        }
      }
    }
    await previous;
    await inflight.drain();
    await states.done();
    const uncovered = counts.uncommitted;
    if (uncovered > 0) {
      ctx.logger.warn(
        'input ended with %d record(s) after the last STATE: not committed, as no checkpoint covers them',
        uncovered,
      );
    }
  } finally {
    // Not awaited: after a failure, a read may still be pending, and it would wait for it.
    reader.return?.().catch(() => undefined);
    await previous.catch(() => undefined);
    await inflight.drain().catch(() => undefined);
    await states.done().catch(() => undefined);
    await writer.close?.();
  }
}

/**
 * Record counts for `destinationStats.recordCount`. A STREAM state counts its own stream's
 * records since that stream's last echo (the schema: "for this stream or global"), even
 * though the commit before it made every stream's records durable; a GLOBAL or LEGACY state
 * counts every record no echo has counted yet.
 */
class EchoCounts {
  private sinceCommit = 0;

  constructor(private readonly streams: ReadonlyMap<string, PendingStream>) {}

  received(stream: PendingStream): void {
    stream.unreported++;
    this.sinceCommit++;
  }

  /** The count to echo on `state`, committed just now; those records are then reported. */
  echoed(state: AirbyteStateMessage): number {
    this.sinceCommit = 0;
    if (state.type === 'STREAM' && state.stream) {
      const stream = this.streams.get(streamKey(state.stream.stream_descriptor));
      const count = stream?.unreported ?? 0;
      if (stream) stream.unreported = 0;
      return count;
    }
    let count = 0;
    for (const stream of this.streams.values()) {
      count += stream.unreported;
      stream.unreported = 0;
    }
    return count;
  }

  /** Records received since the last STATE: written perhaps, but covered by no commit. */
  get uncommitted(): number {
    return this.sinceCommit;
  }
}

/**
 * Writes a batch; when the destination refuses the whole batch for its data without naming
 * the culprit, halves it until the bad records stand alone, so one bad row never sinks 99
 * good ones. Costs O(bad × log n) extra calls, only on failure.
 */
async function writeIsolating(
  writer: DestinationWriter,
  stream: ConfiguredAirbyteStream,
  records: readonly IncomingRecord[],
  offset = 0,
): Promise<Rejection[]> {
  try {
    const result = await writer.write({ stream, records });
    return (result?.rejected ?? []).map((r) => ({ ...r, index: r.index + offset }));
  } catch (error) {
    if (!(error instanceof BatchRejectedError)) throw error;
    if (records.length === 1) return [{ index: offset, reason: error.message, retryable: error.retryable }];
    const middle = Math.ceil(records.length / 2);
    const left = await writeIsolating(writer, stream, records.slice(0, middle), offset);
    const right = await writeIsolating(writer, stream, records.slice(middle), offset + middle);
    return [...left, ...right];
  }
}

function operationOf(record: AirbyteRecordMessage): Operation {
  if (record.operation === 'delete') return 'delete';
  // Airbyte's CDC convention for deletions, so records from Airbyte CDC sources delete too.
  const deletedAt = record.data['_ab_cdc_deleted_at'];
  return deletedAt !== undefined && deletedAt !== null ? 'delete' : 'upsert';
}

function incoming(record: AirbyteRecordMessage, keyPaths: string[][]): IncomingRecord {
  if (record instanceof RecordLine) return record.incoming((data) => keyOf(data, keyPaths));
  const data = record.data as Record<string, unknown>;
  return { data, operation: operationOf(record), key: keyOf(data, keyPaths) };
}

function keyOf(data: Record<string, unknown>, keyPaths: string[][]): Record<string, unknown> {
  const key: Record<string, unknown> = {};
  for (const path of keyPaths) key[path.join('.')] = valueAt(data, path);
  return key;
}

function valueAt(data: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = data;
  for (const part of path) {
    // Own properties only: a record without `constructor` must not key on Object's.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function toRejectedRecord(
  pending: PendingStream,
  records: readonly IncomingRecord[],
  rejection: Rejection,
): RejectedRecord {
  const record = records[rejection.index];
  if (!record)
    throw new InternalError(`destination rejected record #${rejection.index} of a batch of ${records.length}`);
  const out: RejectedRecord = {
    stream: pending.configured.stream.name,
    key: record.key,
    reason: rejection.reason,
    retryable: rejection.retryable,
  };
  if (pending.configured.stream.namespace) out.namespace = pending.configured.stream.namespace;
  if (rejection.field !== undefined) out.field = rejection.field;
  return out;
}

function withDestinationStats(
  state: AirbyteStateMessage,
  recordCount: number,
  rejected: readonly RejectedRecord[],
): AirbyteStateMessage {
  const stats = {
    recordCount,
    rejectedRecordCount: rejected.length,
    ...(rejected.length ? { rejected_records: [...rejected] } : {}),
  };
  return { ...state, destinationStats: { ...state.destinationStats, ...stats } };
}
