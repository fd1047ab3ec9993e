import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import type { ConnectorDefinition } from '@backflow/protocol/connector';
import { runInProcess, type ConnectorRun, type VirtualTime } from '@backflow/protocol/testing';

// What a destination's in-process tests run and feed it: the destination beside its tool's
// fake on one virtual clock, configured streams, RECORD and STATE messages, and the
// rejections its STATE echoes carry.

/** What one command is given: a catalog, input messages, or a config other than the setup's. */
export interface DestinationInput {
  catalog?: ConfiguredAirbyteCatalog;
  input?: AirbyteMessage[];
  config?: Record<string, unknown>;
}

/** A fake of the tool on a virtual clock, and the destination running in-process on the same clock. */
export interface DestinationSetup<Fake> {
  readonly fake: Fake;
  readonly time: VirtualTime;
  readonly config: Record<string, unknown>;
  run(command: 'check' | 'discover' | 'write', input?: DestinationInput): Promise<ConnectorRun>;
}

export function destinationSetup<Fake, Config>(
  fake: Fake,
  time: VirtualTime,
  destination: ConnectorDefinition<Config>,
  config: Record<string, unknown>,
): DestinationSetup<Fake> {
  return {
    fake,
    time,
    config,
    run: (command, input = {}) =>
      runInProcess(destination, command, {
        config: input.config ?? config,
        ...(input.catalog ? { catalog: input.catalog } : {}),
        ...(input.input ? { input: input.input } : {}),
      }),
  };
}

/** A configured stream writing `behaviour` to `object`, matched by `key`, with `properties` as its schema. */
export function configuredStream(
  name: string,
  behaviour: SyncBehaviour,
  options: { object?: string; key?: string; properties?: Record<string, unknown> } = {},
): ConfiguredAirbyteStream {
  return {
    stream: {
      name,
      json_schema: { type: 'object', properties: options.properties ?? {} },
      supported_sync_modes: ['full_refresh'],
    },
    sync_mode: 'full_refresh',
    destination_sync_mode: destinationSyncModeFor(behaviour),
    behaviour,
    ...(options.object ? { destination_object_name: options.object } : {}),
    ...(options.key ? { matching_keys: [[options.key]] } : {}),
  };
}

export function catalog(...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog {
  return { streams };
}

export function record(
  streamName: string,
  data: Record<string, unknown>,
  operation?: 'upsert' | 'delete',
): AirbyteMessage {
  return { type: 'RECORD', record: { stream: streamName, data, emitted_at: 0, ...(operation ? { operation } : {}) } };
}

export function state(streamName: string, n: number): AirbyteMessage {
  return {
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: streamName }, stream_state: { n } } },
  };
}

/** Rejected records of every STATE of a run. */
export function rejectedOf(run: ConnectorRun) {
  return run.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
}
