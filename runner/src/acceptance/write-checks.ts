import type {
  AirbyteMessage,
  ConnectorSpecification,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  DestinationCatalog,
} from '@backflow/protocol';
import { recordMessage, stateMessage } from '@backflow/protocol/testing';
import type { Transcript } from './invoke.js';
import { excerpt, fail, pass, skip, type CheckResult } from './result.js';
import { brokenRecord, sampleRecord } from './sample-records.js';
import { stderrTail } from './spec-checks.js';

const BAD_RECORD = 'write: rejects a bad record alone, without failing the batch';

type Write = (input: readonly AirbyteMessage[]) => Promise<Transcript>;

/** The configured catalog to write when none was given: one stream per object and sync mode the destination offers. */
export function catalogFromDestination(catalog: DestinationCatalog): ConfiguredAirbyteCatalog {
  return {
    streams: catalog.operations.map((op) => ({
      stream: { name: op.object_name, json_schema: op.json_schema, supported_sync_modes: ['full_refresh'] },
      sync_mode: 'full_refresh',
      destination_sync_mode: op.sync_mode,
      // The operation's matching keys are alternatives; records are matched by the first.
      ...(op.matching_keys?.length
        ? { primary_key: [op.matching_keys[0]!], matching_keys: [op.matching_keys[0]!] }
        : {}),
    })),
  };
}

/**
 * The catalog to write to a destination that declares no objects (it takes any stream):
 * one stream of small keyed records, in the first sync mode it supports.
 */
export function genericCatalog(spec: ConnectorSpecification): ConfiguredAirbyteCatalog {
  const json_schema = {
    type: 'object',
    properties: { id: { type: 'integer' }, name: { type: 'string' } },
    required: ['id'],
  };
  return {
    streams: [
      {
        stream: { name: 'backflow_acceptance', json_schema, supported_sync_modes: ['full_refresh'] },
        sync_mode: 'full_refresh',
        destination_sync_mode: spec.supported_destination_sync_modes?.[0] ?? 'append',
        primary_key: [['id']],
      },
    ],
  };
}

/**
 * The destination's `write` checks, on the first stream of `catalog`. `typed` says whether
 * the destination itself declared the stream's schema (by discover or the given catalog):
 * only then must a record breaking it be rejected.
 */
export async function writeChecks(
  catalog: ConfiguredAirbyteCatalog,
  typed: boolean,
  write: Write,
): Promise<CheckResult[]> {
  const stream = catalog.streams[0]!.stream;
  const schema = stream.json_schema as Parameters<typeof sampleRecord>[0];
  // A run id in every value keeps reruns against the same destination from colliding.
  const run = Date.now() % 1_000_000;
  const record = (i: number) => recordMessage(stream, sampleRecord(schema, run * 100 + i));
  const state = (n: number) => stateMessage(stream, { acceptance_checkpoint: n, run });
  return [
    await emptyInput(write),
    await statesInOrder(write, record, state),
    typed
      ? await badRecord(write, schema, run, record, state, stream)
      : skip(BAD_RECORD, 'the destination declares no objects or schemas, so no record is bad; give --catalog'),
  ];
}

async function emptyInput(write: Write): Promise<CheckResult> {
  const name = 'write: handles empty input';
  const t = await write([]);
  const error = t.messages.find((message) => message.trace?.error)?.trace?.error;
  if (t.exitCode === 0 && !error) return pass(name, 'exit 0, no error');
  return fail(name, `exit code ${t.exitCode}${error ? `, ${excerpt(error.message)}` : ''}${stderrTail(t)}`);
}

async function statesInOrder(
  write: Write,
  record: (i: number) => AirbyteMessage,
  state: (n: number) => AirbyteMessage,
): Promise<CheckResult> {
  const name = 'write: echoes each state in order, after the records before it';
  const input = [record(1), record(2), state(1), record(3), state(2), state(3)];
  const t = await write(input);
  if (t.exitCode !== 0) return fail(name, `exit code ${t.exitCode}${stderrTail(t)}`);
  const echoed = t.messages.flatMap((message) => (message.state ? [message.state] : []));
  const sent = input.flatMap((message) => (message.state ? [message.state] : []));
  const blob = (s: AirbyteStateMessage) => JSON.stringify(s.stream?.stream_state);
  if (echoed.map(blob).join() !== sent.map(blob).join()) {
    return fail(name, `sent states ${sent.map(blob).join(', ')}; echoed ${echoed.map(blob).join(', ') || 'none'}`);
  }
  // Backflow destinations count what each state covers: 2 records, then 1, then none.
  const counts = echoed.map((s) => s.destinationStats?.recordCount);
  if (counts.every((c) => c !== undefined) && counts.join() !== '2,1,0') {
    return fail(name, `the echoed states cover ${counts.join(', ')} record(s); the records before them were 2, 1, 0`);
  }
  return pass(name, `${echoed.length} state(s) echoed in order`);
}

async function badRecord(
  write: Write,
  schema: Parameters<typeof sampleRecord>[0],
  run: number,
  record: (i: number) => AirbyteMessage,
  state: (n: number) => AirbyteMessage,
  stream: { name: string; namespace?: string | null },
): Promise<CheckResult> {
  const name = BAD_RECORD;
  const broken = brokenRecord(schema, run * 100 + 11);
  if (!broken) return skip(name, `stream "${stream.name}"'s schema constrains no field, so no record breaks it`);
  const t = await write([record(10), recordMessage(stream, broken.record), record(12), state(4)]);
  if (t.exitCode !== 0) return fail(name, `the batch failed: exit code ${t.exitCode}${stderrTail(t)}`);
  const echoed = t.messages.find((message) => message.state)?.state;
  if (!echoed) return fail(name, 'the state after the batch was not echoed');
  const rejected = echoed.destinationStats?.rejected_records ?? [];
  if (rejected.length === 1) {
    return pass(name, `field "${broken.field}" (${broken.how}) rejected: ${excerpt(rejected[0]!.reason, 80)}`);
  }
  if (rejected.length === 0) {
    return fail(name, `a record with ${broken.how} in "${broken.field}" was not reported as rejected`);
  }
  return fail(name, `${rejected.length} records rejected for one bad one: ${excerpt(rejected.map((r) => r.reason))}`);
}
