import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream } from '@backflow/protocol';
import { runInProcess, type ConnectorRun } from '@backflow/protocol/testing';
import type { Timing } from '@backflow/protocol/connector';
import { startHubSpotFake, type HubSpotFake, type HubSpotFakeOptions } from '../../../test/fakes/hubspot/index.js';
import { createHubSpotSource } from '../src/index.js';

/** A virtual clock shared by the fake and the source: sleeping advances it at once. */
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
  return { timing, sleeps, now: () => now, set: (ms: number) => (now = ms) };
}

const fakes: HubSpotFake[] = [];

export async function setUp(options: HubSpotFakeOptions = {}, config: Record<string, unknown> = {}) {
  const time = virtualTime();
  const fake = await startHubSpotFake({ now: time.now, rateLimit: { max: 1_000_000 }, ...options });
  fakes.push(fake);
  const source = createHubSpotSource({ timing: time.timing });
  const fullConfig = { access_token: fake.token, base_url: fake.url, ...config };
  const run = (
    command: 'check' | 'discover' | 'read',
    input: { catalog?: ConfiguredAirbyteCatalog; state?: unknown } = {},
  ): Promise<ConnectorRun> => runInProcess(source, command, { config: fullConfig, ...input });
  return { fake, time, run, config: fullConfig };
}

export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}

export function configured(
  name: string,
  syncMode: 'full_refresh' | 'incremental',
  properties: Record<string, unknown> = {},
): ConfiguredAirbyteStream {
  return {
    stream: {
      name,
      json_schema: { type: 'object', properties },
      supported_sync_modes: ['full_refresh', 'incremental'],
    },
    sync_mode: syncMode,
    destination_sync_mode: 'append',
  };
}

export const catalogOf = (...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog => ({ streams });
