import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import type { Timing } from '@backflow/protocol/connector';
import type { ConnectorRun } from '@backflow/protocol/testing';

// What a destination's in-process tests feed it and read back: a virtual clock, configured
// streams, RECORD and STATE messages, and the rejections its STATE echoes carry.

/** A virtual clock: sleeping advances it instantly, and every sleep is recorded. */
export interface VirtualTime {
  readonly timing: Timing;
  now(): number;
  readonly sleeps: number[];
}

export function virtualTime(start = Date.UTC(2025, 0, 15, 12)): VirtualTime {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    timing: {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0.5,
    },
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
