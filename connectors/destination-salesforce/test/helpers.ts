import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import { runInProcess, type ConnectorRun } from '@backflow/protocol/testing';
import {
  startSalesforceFake,
  type SalesforceFake,
  type SalesforceFakeOptions,
} from '../../../test/fakes/salesforce/index.js';
import { createSalesforceDestination, type Timing } from '../src/index.js';

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

/** A Salesforce fake on the virtual clock, and a destination running on the same clock. */
export interface Setup {
  readonly fake: SalesforceFake;
  readonly time: VirtualTime;
  readonly config: Record<string, unknown>;
  run(
    command: 'check' | 'discover' | 'write',
    input?: { catalog?: ConfiguredAirbyteCatalog; input?: AirbyteMessage[]; config?: Record<string, unknown> },
  ): Promise<ConnectorRun>;
}

const fakes: SalesforceFake[] = [];

/** Client-credentials config for the fake. */
export function clientCredentials(fake: SalesforceFake): Record<string, unknown> {
  return { auth_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret };
}

export async function setUp(options: SalesforceFakeOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const time = virtualTime();
  const fake = await startSalesforceFake({ now: time.now, ...options });
  fakes.push(fake);
  const fullConfig = { auth: clientCredentials(fake), login_url: fake.loginUrl, ...config };
  const destination = createSalesforceDestination({ timing: time.timing });
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
  options: { object?: string; key?: string; fields?: string[] } = {},
): ConfiguredAirbyteStream {
  return {
    stream: {
      name,
      json_schema: { type: 'object', properties: Object.fromEntries((options.fields ?? []).map((f) => [f, {}])) },
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

/** `count` contacts keyed by External_Id__c `C0`, `C1`, ... */
export function contacts(
  streamName: string,
  count: number,
  extra: (i: number) => Record<string, unknown> = () => ({}),
): AirbyteMessage[] {
  return Array.from({ length: count }, (_, i) =>
    record(streamName, { External_Id__c: `C${i}`, LastName: `Last${i}`, Email: `c${i}@example.com`, ...extra(i) }),
  );
}

/** Rejected records of every STATE of a run. */
export function rejectedOf(run: ConnectorRun) {
  return run.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
}

/** Data API calls (path after `/services/data/vXX.X`) by route, e.g. `{ 'PATCH /composite/sobjects/Contact/External_Id__c': 3 }`. */
export function routes(fake: SalesforceFake): Record<string, number> {
  return fake.calls.byRoute();
}

export const CONTACT_FIELDS = ['External_Id__c', 'LastName', 'Email'];
