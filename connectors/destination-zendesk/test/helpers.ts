import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import { runInProcess, type ConnectorRun } from '@backflow/protocol/testing';
import { startZendeskFake, type ZendeskFake, type ZendeskFakeOptions } from '../../../test/fakes/zendesk/index.js';
import { createZendeskDestination, type Timing } from '../src/index.js';

/** A virtual clock: sleeping advances it instantly, and every sleep is recorded. */
export function virtualTime(start = Date.UTC(2025, 0, 15, 12)) {
  let now = start;
  const sleeps: number[] = [];
  const timing: Timing = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
  return { timing, sleeps, now: () => now };
}

/** A Zendesk fake on the virtual clock, and the destination running on the same clock. */
export interface Setup {
  readonly fake: ZendeskFake;
  readonly time: ReturnType<typeof virtualTime>;
  readonly config: Record<string, unknown>;
  run(
    command: 'check' | 'discover' | 'write',
    input?: { catalog?: ConfiguredAirbyteCatalog; input?: AirbyteMessage[]; config?: Record<string, unknown> },
  ): Promise<ConnectorRun>;
}

const fakes: ZendeskFake[] = [];

export async function setUp(options: ZendeskFakeOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const time = virtualTime();
  const fake = await startZendeskFake({ now: time.now, ...options });
  fakes.push(fake);
  const fullConfig = {
    base_url: fake.url,
    credentials: { auth_type: 'api_token', email: fake.email, api_token: fake.apiToken },
    ...config,
  };
  const destination = createZendeskDestination({ timing: time.timing });
  return {
    fake,
    time,
    config: fullConfig,
    run: (command, input = {}) =>
      runInProcess(destination, command, {
        config: input.config ?? fullConfig,
        ...(input.catalog ? { catalog: input.catalog } : {}),
        ...(input.input ? { input: input.input } : {}),
      }),
  };
}

export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}

export function stream(
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

export const catalog = (...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog => ({ streams });

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
export const rejectedOf = (run: ConnectorRun) => run.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
