import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import { runInProcess, virtualTime, type ConnectorRun, type VirtualTime } from '@backflow/protocol/testing';
import { startHubSpotFake, type HubSpotFake, type HubSpotFakeOptions } from '../../../test/fakes/hubspot/index.js';
import { createHubSpotDestination } from '../src/index.js';

/** A HubSpot fake on the virtual clock, and a destination running on the same clock. */
export interface Setup {
  readonly fake: HubSpotFake;
  readonly time: VirtualTime;
  readonly config: Record<string, unknown>;
  run(
    command: 'check' | 'discover' | 'write',
    input?: { catalog?: ConfiguredAirbyteCatalog; input?: AirbyteMessage[]; config?: Record<string, unknown> },
  ): Promise<ConnectorRun>;
}

const fakes: HubSpotFake[] = [];

export async function setUp(options: HubSpotFakeOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const time = virtualTime();
  const fake = await startHubSpotFake({ now: time.now, ...options });
  fakes.push(fake);
  const fullConfig = { access_token: fake.token, base_url: fake.url, ...config };
  const destination = createHubSpotDestination({ timing: time.timing });
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

/**
 * Closes the fakes of a test, failing it if any request the connector sent or any answer the
 * fake gave departed from HubSpot's OpenAPI (`test/fakes/hubspot/openapi.ts`).
 */
export async function closeFakes(): Promise<void> {
  const closing = fakes.splice(0);
  await Promise.all(closing.map((fake) => fake.close()));
  const violations = closing.flatMap((fake) => fake.calls.specViolations);
  if (violations.length > 0) throw new Error(`not as HubSpot's OpenAPI says:\n${violations.join('\n')}`);
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

/** `count` contacts keyed by email, `contact0@example.com`, ... */
export function contacts(
  streamName: string,
  count: number,
  extra: (i: number) => Record<string, unknown> = () => ({}),
): AirbyteMessage[] {
  return Array.from({ length: count }, (_, i) =>
    record(streamName, { email: `contact${i}@example.com`, firstname: `First${i}`, ...extra(i) }),
  );
}

/** Rejected records of every STATE of a run. */
export function rejectedOf(run: ConnectorRun) {
  return run.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
}

export const vehicles = {
  name: 'vehicles',
  objectTypeId: '2-7777',
  properties: [
    { name: 'vin', type: 'string', fieldType: 'text', hasUniqueValue: true },
    { name: 'model', type: 'string', fieldType: 'text' },
    { name: 'mileage', type: 'number', fieldType: 'number' },
  ],
} satisfies HubSpotFakeOptions['customObject'];
