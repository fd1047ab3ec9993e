import { virtualTime } from '@backflow/protocol/testing';
import {
  startSalesforceFake,
  type SalesforceFake,
  type SalesforceFakeOptions,
} from '../../../test/fakes/salesforce/index.js';
import { sourceSetup, type SourceSetup } from '../../../test/support/source-messages.js';
import { createSalesforceSource } from '../src/index.js';

export { catalogOf, configured } from '../../../test/support/source-messages.js';

const fakes: SalesforceFake[] = [];

/** A Salesforce fake on a virtual clock, and the source on the same clock. */
export async function setUp(
  options: SalesforceFakeOptions = {},
  config: Record<string, unknown> = {},
): Promise<SourceSetup<SalesforceFake>> {
  const time = virtualTime();
  const fake = await startSalesforceFake({ now: time.now, ...options });
  fakes.push(fake);
  const source = createSalesforceSource({ timing: time.timing });
  return sourceSetup(fake, time, source, {
    auth: { auth_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret },
    login_url: fake.loginUrl,
    ...config,
  });
}

export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}
