import { virtualTime } from '@backflow/protocol/testing';
import { startHubSpotFake, type HubSpotFake, type HubSpotFakeOptions } from '../../../test/fakes/hubspot/index.js';
import { sourceSetup, type SourceSetup } from '../../../test/support/source-messages.js';
import { createHubSpotSource } from '../src/index.js';

export { catalogOf, configured } from '../../../test/support/source-messages.js';

const fakes: HubSpotFake[] = [];

/** A HubSpot fake (rate limit out of the way) on a virtual clock, and the source on the same clock. */
export async function setUp(
  options: HubSpotFakeOptions = {},
  config: Record<string, unknown> = {},
): Promise<SourceSetup<HubSpotFake>> {
  const time = virtualTime();
  const fake = await startHubSpotFake({ now: time.now, rateLimit: { max: 1_000_000 }, ...options });
  fakes.push(fake);
  const source = createHubSpotSource({ timing: time.timing });
  return sourceSetup(fake, time, source, { access_token: fake.token, base_url: fake.url, ...config });
}

export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}
