import { virtualTime } from '@backflow/protocol/testing';
import { startZendeskFake, type ZendeskFake, type ZendeskFakeOptions } from '../../../test/fakes/zendesk/index.js';
import { destinationSetup, type DestinationSetup } from '../../../test/support/destination-messages.js';
import { createZendeskDestination } from '../src/index.js';

export {
  catalog,
  configuredStream as stream,
  record,
  rejectedOf,
  state,
} from '../../../test/support/destination-messages.js';

/** A Zendesk fake on the virtual clock, and the destination running on the same clock. */
export type Setup = DestinationSetup<ZendeskFake>;

const fakes: ZendeskFake[] = [];

export async function setUp(options: ZendeskFakeOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const time = virtualTime();
  const fake = await startZendeskFake({ now: time.now, ...options });
  fakes.push(fake);
  const destination = createZendeskDestination({ timing: time.timing });
  return destinationSetup(fake, time, destination, {
    base_url: fake.url,
    credentials: { auth_type: 'api_token', email: fake.email, api_token: fake.apiToken },
    ...config,
  });
}

export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}
