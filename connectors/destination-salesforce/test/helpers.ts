import type { AirbyteMessage, ConfiguredAirbyteStream, SyncBehaviour } from '@backflow/protocol';
import { virtualTime } from '@backflow/protocol/testing';
import {
  startSalesforceFake,
  type SalesforceFake,
  type SalesforceFakeOptions,
} from '../../../test/fakes/salesforce/index.js';
import {
  configuredStream,
  destinationSetup,
  record,
  type DestinationSetup,
} from '../../../test/support/destination-messages.js';
import { createSalesforceDestination } from '../src/index.js';

export { catalog, record, rejectedOf, state } from '../../../test/support/destination-messages.js';

/** A Salesforce fake on the virtual clock, and a destination running on the same clock. */
export type Setup = DestinationSetup<SalesforceFake>;

const fakes: SalesforceFake[] = [];

/** Client-credentials auth for the fake's connected app. */
export function clientCredentials(fake: SalesforceFake): Record<string, unknown> {
  return { auth_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret };
}

export async function setUp(options: SalesforceFakeOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const time = virtualTime();
  const fake = await startSalesforceFake({ now: time.now, ...options });
  fakes.push(fake);
  const destination = createSalesforceDestination({ timing: time.timing });
  return destinationSetup(fake, time, destination, {
    auth: clientCredentials(fake),
    login_url: fake.loginUrl,
    ...config,
  });
}

export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}

/** A stream writing `behaviour` to `object` whose schema lists `fields` (the Salesforce fields it maps to). */
export function stream(
  name: string,
  behaviour: SyncBehaviour,
  options: { object?: string; key?: string; fields?: string[] } = {},
): ConfiguredAirbyteStream {
  const { fields = [], ...rest } = options;
  return configuredStream(name, behaviour, { ...rest, properties: Object.fromEntries(fields.map((f) => [f, {}])) });
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

/** Data API calls (path after `/services/data/vXX.X`) by route, e.g. `{ 'PATCH /composite/sobjects/Contact/External_Id__c': 3 }`. */
export function routes(fake: SalesforceFake): Record<string, number> {
  return fake.calls.byRoute();
}

export const CONTACT_FIELDS = ['External_Id__c', 'LastName', 'Email'];
