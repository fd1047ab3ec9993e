import type { AirbyteMessage } from '@backflow/protocol';
import { virtualTime } from '@backflow/protocol/testing';
import { startHubSpotFake, type HubSpotFake, type HubSpotFakeOptions } from '../../../test/fakes/hubspot/index.js';
import { destinationSetup, record, type DestinationSetup } from '../../../test/support/destination-messages.js';
import { createHubSpotDestination } from '../src/index.js';

export {
  catalog,
  configuredStream as stream,
  record,
  rejectedOf,
  state,
} from '../../../test/support/destination-messages.js';

/** A HubSpot fake on the virtual clock, and a destination running on the same clock. */
export type Setup = DestinationSetup<HubSpotFake>;

const fakes: HubSpotFake[] = [];

export async function setUp(options: HubSpotFakeOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const time = virtualTime();
  const fake = await startHubSpotFake({ now: time.now, ...options });
  fakes.push(fake);
  const destination = createHubSpotDestination({ timing: time.timing });
  return destinationSetup(fake, time, destination, { access_token: fake.token, base_url: fake.url, ...config });
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

export const vehicles = {
  name: 'vehicles',
  objectTypeId: '2-7777',
  properties: [
    { name: 'vin', type: 'string', fieldType: 'text', hasUniqueValue: true },
    { name: 'model', type: 'string', fieldType: 'text' },
    { name: 'mileage', type: 'number', fieldType: 'number' },
  ],
} satisfies HubSpotFakeOptions['customObject'];
