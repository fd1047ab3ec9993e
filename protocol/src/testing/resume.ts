import type { ConnectorDefinition } from '../connector/definitions.js';
import { streamKey } from '../connector/stream-key.js';
import type { AirbyteMessage, AirbyteRecordMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../types.js';
import { runInProcess, type ConnectorRun } from './harness.js';

/** One emitted STATE and what it covers. */
export interface StateCheckpoint {
  readonly state: AirbyteStateMessage;
  /** Identities of the records of the state's stream emitted before it. */
  readonly before: readonly string[];
}

/** What resuming from one state got wrong: records read twice, or never. */
export interface ResumeProblem {
  readonly state: AirbyteStateMessage;
  readonly repeated: readonly string[];
  readonly skipped: readonly string[];
}

export interface ResumeReport {
  /** Every STREAM state of the full read, with the records before it. */
  readonly checkpoints: readonly StateCheckpoint[];
  /** One entry per state whose resumed read repeated or skipped a record; empty when every resume is exact. */
  readonly problems: readonly ResumeProblem[];
}

/** A record's identity: its stream and its data, or the values of `key` when given. */
export type RecordIdentity = (record: AirbyteRecordMessage) => string;

/** Identifies records by the value of one field (their primary key, say). */
export const byField =
  (field: string): RecordIdentity =>
  (record) =>
    String(record.data[field]);

/** Identifies records by their stream and whole data (for streams without a key). */
export const byData: RecordIdentity = (record) =>
  JSON.stringify([record.namespace ?? null, record.stream, record.data]);

/**
 * The check every incremental source must pass: for each STREAM state of a full read,
 * "crash" right after it was committed and read again from it. The records of that stream
 * emitted before the state plus those of the resumed read must be exactly the records of
 * the full read: nothing read twice, nothing skipped. `readFrom` runs the connector's read
 * with one committed state and returns what it printed.
 */
export async function resumeFromEveryState(
  full: readonly AirbyteMessage[],
  readFrom: (state: AirbyteStateMessage) => Promise<readonly AirbyteMessage[]>,
  identity: RecordIdentity = byData,
): Promise<ResumeReport> {
  const checkpoints = statesWithRecordsBefore(full, identity);
  const problems: ResumeProblem[] = [];
  for (const { state, before } of checkpoints) {
    const key = streamKey(state.stream!.stream_descriptor);
    const all = recordsOf(full, key, identity);
    const resumed = recordsOf(await readFrom(state), key, identity);
    const problem = compare(all, before, resumed);
    if (problem.repeated.length > 0 || problem.skipped.length > 0) problems.push({ state, ...problem });
  }
  return { checkpoints, problems };
}

/** Each STREAM state of `messages`, with the identities of its stream's records emitted before it. */
export function statesWithRecordsBefore(
  messages: readonly AirbyteMessage[],
  identity: RecordIdentity = byData,
): StateCheckpoint[] {
  const seen = new Map<string, string[]>();
  const out: StateCheckpoint[] = [];
  for (const message of messages) {
    if (message.record) {
      const key = streamKey({ name: message.record.stream, namespace: message.record.namespace });
      seen.set(key, [...(seen.get(key) ?? []), identity(message.record)]);
    }
    if (message.state?.stream) {
      const key = streamKey(message.state.stream.stream_descriptor);
      out.push({ state: message.state, before: [...(seen.get(key) ?? [])] });
    }
  }
  return out;
}

function recordsOf(messages: readonly AirbyteMessage[], key: string, identity: RecordIdentity): string[] {
  return messages.flatMap((message) =>
    message.record && streamKey({ name: message.record.stream, namespace: message.record.namespace }) === key
      ? [identity(message.record)]
      : [],
  );
}

function compare(all: readonly string[], before: readonly string[], resumed: readonly string[]) {
  const counts = new Map<string, number>();
  for (const id of all) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const id of [...before, ...resumed]) counts.set(id, (counts.get(id) ?? 0) - 1);
  const repeated: string[] = [];
  const skipped: string[] = [];
  for (const [id, count] of counts) {
    for (let i = 0; i < -count; i++) repeated.push(id);
    for (let i = 0; i < count; i++) skipped.push(id);
  }
  return { repeated, skipped };
}

/**
 * {@link resumeFromEveryState} for a connector definition run in-process: a full `read` of
 * `catalog`, then one `read` from each STREAM state it emitted. Throws if any of those reads
 * fails, with the connector's error.
 */
export async function readAndResumeFromEveryState<Config>(
  definition: ConnectorDefinition<Config>,
  input: { readonly config: unknown; readonly catalog: ConfiguredAirbyteCatalog },
  identity: RecordIdentity = byData,
): Promise<ResumeReport & { readonly full: ConnectorRun }> {
  const read = async (state?: AirbyteStateMessage) => {
    const run = await runInProcess(definition, 'read', { ...input, ...(state ? { state: [state] } : {}) });
    if (run.exitCode !== 0 || run.errors.length > 0) {
      const from = state ? ` from ${JSON.stringify(state.stream?.stream_state)}` : '';
      throw new Error(`read${from} failed (exit ${run.exitCode}): ${run.errors.map((e) => e.message).join('; ')}`);
    }
    return run;
  };
  const full = await read();
  const report = await resumeFromEveryState(full.messages, async (state) => (await read(state)).messages, identity);
  return { full, ...report };
}
