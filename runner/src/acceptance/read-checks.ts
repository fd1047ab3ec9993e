import {
  compileSchema,
  type AirbyteCatalog,
  type AirbyteMessage,
  type AirbyteRecordMessage,
  type AirbyteStateMessage,
  type ConfiguredAirbyteCatalog,
} from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import { byData, resumeFromEveryState, type RecordIdentity } from '@backflow/protocol/testing';
import type { Transcript } from './invoke.js';
import { excerpt, fail, pass, skip, type CheckResult } from './result.js';
import { stderrTail } from './spec-checks.js';

/** At most this many states are resumed from (evenly spread), so a long read stays a quick check. */
export const MAX_RESUMES = 25;

/**
 * The configured catalog to read when none was given: every discovered stream, incremental
 * where the source defines a cursor (so resuming is exercised), full refresh otherwise.
 */
export function catalogFromDiscover(catalog: AirbyteCatalog): ConfiguredAirbyteCatalog {
  return {
    streams: catalog.streams.map((stream) => {
      const cursor = stream.default_cursor_field;
      const incremental = stream.supported_sync_modes.includes('incremental') && (cursor?.length ?? 0) > 0;
      return {
        stream,
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        destination_sync_mode: 'append',
        ...(incremental ? { cursor_field: cursor! } : {}),
        ...(stream.source_defined_primary_key?.length ? { primary_key: stream.source_defined_primary_key } : {}),
      };
    }),
  };
}

/** A full `read`: exit 0, only configured streams, records valid against their stream's schema. */
export function readChecks(transcript: Transcript, catalog: ConfiguredAirbyteCatalog): CheckResult[] {
  const error = transcript.messages.find((message) => message.trace?.error)?.trace?.error;
  const exit =
    transcript.exitCode === 0 && !error
      ? pass(
          'read: completes',
          `${records(transcript.messages).length} record(s), ${states(transcript.messages).length} state(s)`,
        )
      : fail(
          'read: completes',
          `exit code ${transcript.exitCode}${error ? `, ${error.failure_type}: ${excerpt(error.message)}` : ''}${stderrTail(transcript)}`,
        );
  const configured = new Map(catalog.streams.map((s) => [streamKey(descriptor(s.stream)), s]));
  const foreign = records(transcript.messages).find((record) => !configured.has(streamKey(descriptor(record))));
  const streamsCheck = foreign
    ? fail('read: emits only configured streams', `a record of stream "${foreign.stream}", which is not in the catalog`)
    : pass('read: emits only configured streams', `${configured.size} configured stream(s)`);
  return [exit, streamsCheck, schemaCheck(transcript, configured)];
}

function schemaCheck(
  transcript: Transcript,
  configured: Map<string, ConfiguredAirbyteCatalog['streams'][number]>,
): CheckResult {
  const name = 'read: records match their stream schema';
  let count = 0;
  for (const line of transcript.lines) {
    const record = line.message?.record;
    const stream = record && configured.get(streamKey(descriptor(record)));
    if (!record || !stream) continue;
    const problem = compileSchema(stream.stream.json_schema).check(record.data, {
      line: line.line,
      source: 'read stdout',
    });
    if (problem) return fail(name, `stream "${record.stream}", stdout line ${line.line}: ${excerpt(problem.message)}`);
    count++;
  }
  return count === 0 ? skip(name, 'the read emitted no record') : pass(name, `${count} record(s) valid`);
}

/**
 * Resuming from each STATE of the incremental streams' read (a second read from it) repeats
 * no record and skips none.
 */
export async function resumeCheck(
  full: Transcript,
  catalog: ConfiguredAirbyteCatalog,
  readFrom: (state: AirbyteStateMessage) => Promise<Transcript>,
): Promise<CheckResult> {
  const name = 'read: every state resumes exactly (nothing repeated, nothing skipped)';
  const incremental = new Map(
    catalog.streams.filter((s) => s.sync_mode === 'incremental').map((s) => [streamKey(descriptor(s.stream)), s]),
  );
  if (incremental.size === 0) return skip(name, 'no incremental stream in the catalog');
  const messages = full.messages.filter((message) => {
    const key = message.record
      ? streamKey(descriptor(message.record))
      : message.state?.stream
        ? streamKey(message.state.stream.stream_descriptor)
        : undefined;
    return key !== undefined && incremental.has(key);
  });
  const all = states(messages);
  if (all.length === 0) return fail(name, 'the incremental read emitted no STATE');
  const chosen = new Set(spread(all, MAX_RESUMES));
  const identity: RecordIdentity = (record) => {
    const configured = incremental.get(streamKey(descriptor(record)));
    const key = configured?.primary_key?.length
      ? configured.primary_key
      : configured?.stream.source_defined_primary_key;
    if (!key?.length) return byData(record);
    return JSON.stringify([record.stream, key.map((path) => valueAt(record.data, path))]);
  };
  let failure: string | undefined;
  const report = await resumeFromEveryState(
    messages.filter((message) => !message.state || chosen.has(message.state)),
    async (state) => {
      const resumed = await readFrom(state);
      if (resumed.exitCode !== 0 && failure === undefined) {
        failure = `reading from ${excerpt(state.stream?.stream_state, 80)} exited with ${resumed.exitCode}${stderrTail(resumed)}`;
      }
      return resumed.messages;
    },
    identity,
  );
  if (failure) return fail(name, failure);
  const problem = report.problems[0];
  if (problem) {
    const what = [
      problem.repeated.length ? `${problem.repeated.length} repeated (${excerpt(problem.repeated[0], 60)})` : '',
      problem.skipped.length ? `${problem.skipped.length} skipped (${excerpt(problem.skipped[0], 60)})` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return fail(name, `from state ${excerpt(problem.state.stream?.stream_state, 80)}: ${what}`);
  }
  const note = chosen.size < all.length ? ` (${chosen.size} of ${all.length}, evenly spread)` : '';
  return pass(name, `resumed from ${report.checkpoints.length} state(s)${note}`);
}

function records(messages: readonly AirbyteMessage[]): AirbyteRecordMessage[] {
  return messages.flatMap((message) => (message.record ? [message.record] : []));
}

function states(messages: readonly AirbyteMessage[]): AirbyteStateMessage[] {
  return messages.flatMap((message) => (message.state?.stream ? [message.state] : []));
}

function descriptor(stream: { name?: string; stream?: string; namespace?: string | null }) {
  const name = stream.name ?? stream.stream ?? '';
  return { name, ...(stream.namespace ? { namespace: stream.namespace } : {}) };
}

function valueAt(data: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = data;
  for (const part of path)
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]!);
}
