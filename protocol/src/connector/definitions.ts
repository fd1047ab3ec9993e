import type {
  AirbyteCatalog,
  AirbyteStateBlob,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  ConnectorSpecification,
  DestinationCatalog,
  RecordOperation,
} from '../types.js';
import type { Logger } from './logger.js';

/** What every connector callback receives. */
export interface ConnectorContext<Config> {
  /** The config file, already validated against the spec. */
  readonly config: Config;
  /** Writes LOG messages (secrets scrubbed). */
  readonly logger: Logger;
  /** Aborted when the connector is asked to stop (SIGTERM/SIGINT or end of the run). */
  readonly signal: AbortSignal;
}

/** The outcome of `check`: throw a ConfigError (or return `{ ok: false }`) to fail it with a reason. */
export type CheckResult = void | { ok: true; message?: string } | { ok: false; message: string };

/** A cursor checkpoint yielded by a source between rows: everything yielded before it is covered. */
export class Checkpoint {
  constructor(readonly state: AirbyteStateBlob) {}
}

/** Marks, in a source's row stream, the point where all rows before it are covered by `state`. */
export function checkpoint(state: AirbyteStateBlob): Checkpoint {
  return new Checkpoint(state);
}

/**
 * RECORD lines a source encoded itself: `count` complete lines of the stream being read,
 * each `recordLinePrefix(stream) + data + recordLineSuffix(emittedAt)`. For bulk reads
 * that can write a row's JSON straight from the database's text, where building an object
 * per row and stringifying it would cost more than the read.
 */
export class RecordLines {
  constructor(
    readonly bytes: Uint8Array,
    readonly count: number,
    /**
     * Called once `bytes` are written out (or dropped unwritten), so that the source may reuse
     * their memory: filling the same buffers again costs less than fresh memory per batch.
     */
    readonly written?: () => void,
  ) {}
}

/** One stream to read, with the state a previous run committed for it (if any). */
export interface StreamRead {
  readonly stream: ConfiguredAirbyteStream;
  readonly state: AirbyteStateBlob | undefined;
}

export interface SourceDefinition<Config = Record<string, unknown>> {
  readonly kind: 'source';
  readonly spec: ConnectorSpecification;
  check(ctx: ConnectorContext<Config>): Promise<CheckResult>;
  discover(ctx: ConnectorContext<Config>): Promise<AirbyteCatalog>;
  /**
   * Rows of one configured stream as plain objects (or already encoded as `RecordLines`),
   * with `checkpoint(...)` values between them. The SDK wraps rows into RECORD messages, checkpoints into STREAM states, and emits
   * stream status traces; it pulls the next row only once the previous one is written
   * (backpressure end to end).
   */
  read(
    ctx: ConnectorContext<Config>,
    request: StreamRead,
  ): AsyncIterable<Record<string, unknown> | RecordLines | Checkpoint>;
}

/** What a destination does with a record (the wire's `operation`, default upsert). */
export type Operation = RecordOperation;

/** The JSON text of a record's data, `buffer[start, end)`, as it came on stdin. */
export interface RecordBytes {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
}

/** A record as a destination sees it: its data, what to do with it, and its key. */
export interface IncomingRecord {
  readonly data: Record<string, unknown>;
  readonly operation: Operation;
  /** Values of the stream's matching keys (or primary key) taken from `data`. */
  readonly key: Record<string, unknown>;
  /**
   * For a destination that `takesRecordBytes`: the data's JSON text, when the record came as
   * a plain upsert line; `data` and `key` are then parsed from it only when first read.
   */
  readonly bytes?: RecordBytes;
}

export interface Batch {
  readonly stream: ConfiguredAirbyteStream;
  readonly records: readonly IncomingRecord[];
}

/** A record the destination refused: `index` into the batch, a reason, and whether retrying can help. */
export interface Rejection {
  readonly index: number;
  readonly reason: string;
  readonly retryable: boolean;
  readonly field?: string;
}

/** What `write` reports: records not listed in `rejected` were written. */
export interface BatchResult {
  readonly rejected?: readonly Rejection[];
}

/** A destination's open session for one `write` run. */
export interface DestinationWriter {
  /** Writes one batch (at most the declared max batch size, one stream). */
  write(batch: Batch): Promise<BatchResult | void>;
  /**
   * Makes everything written so far durable. Called before each STATE is forwarded, so a
   * destination that works in transactions commits here; others need not implement it.
   * With `limits.max_concurrency` above 1, `write` calls overlap (never two holding the same
   * key) and `commit` runs once every batch before the STATE has settled, possibly while
   * later batches are in flight; it must make at least those earlier batches durable.
   */
  commit?(): Promise<void>;
  /**
   * Releases resources; called once, after success or failure. Work not committed by then
   * must be discarded (a transactional destination rolls back): it is covered by no STATE, so
   * the runner will send it again.
   */
  close?(): Promise<void>;
}

export interface DestinationDefinition<Config = Record<string, unknown>> {
  readonly kind: 'destination';
  readonly spec: ConnectorSpecification;
  check(ctx: ConnectorContext<Config>): Promise<CheckResult>;
  /** The objects this destination can write and their fields, so mappings are checked before sending. */
  discover?(ctx: ConnectorContext<Config>): Promise<DestinationCatalog>;
  open(ctx: ConnectorContext<Config> & { catalog: ConfiguredAirbyteCatalog }): Promise<DestinationWriter>;
  /**
   * Whether the writer reads `IncomingRecord.bytes`: plain RECORD lines are then handed over
   * unparsed (not checked against the protocol schema beyond their shape; bad JSON in the
   * data fails the write when the data is parsed, naming the line).
   */
  readonly takesRecordBytes?: boolean;
}

export type ConnectorDefinition<Config = Record<string, unknown>> =
  SourceDefinition<Config> | DestinationDefinition<Config>;

/** Declares a source connector: a plain object of spec and logic; the SDK owns everything else. */
export function defineSource<Config = Record<string, unknown>>(
  definition: Omit<SourceDefinition<Config>, 'kind'>,
): SourceDefinition<Config> {
  return { kind: 'source', ...definition };
}

/** Declares a destination connector: a plain object of spec and logic; the SDK owns everything else. */
export function defineDestination<Config = Record<string, unknown>>(
  definition: Omit<DestinationDefinition<Config>, 'kind'>,
): DestinationDefinition<Config> {
  return { kind: 'destination', ...definition };
}
