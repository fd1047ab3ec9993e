import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream } from '@backflow/protocol';
import { runInProcess, virtualTime, type ConnectorRun, type VirtualTime } from '@backflow/protocol/testing';
import {
  startSalesforceFake,
  type SalesforceFake,
  type SalesforceFakeOptions,
} from '../../../test/fakes/salesforce/index.js';
import { createSalesforceSource } from '../src/index.js';

const fakes: SalesforceFake[] = [];

/** A Salesforce fake on a virtual clock, and the source on the same clock. */
export async function setUp(options: SalesforceFakeOptions = {}, config: Record<string, unknown> = {}) {
  const time: VirtualTime = virtualTime();
  const fake = await startSalesforceFake({ now: time.now, ...options });
  fakes.push(fake);
  const source = createSalesforceSource({ timing: time.timing });
  const fullConfig = {
    auth: { auth_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret },
    login_url: fake.loginUrl,
    ...config,
  };
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
