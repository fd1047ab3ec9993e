import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import {
  defaultObjects,
  startSalesforceFake,
  type SalesforceCall,
  type SalesforceFake,
} from '../fakes/salesforce/index.js';
import { tempWorkspace } from '../support/workspace.js';

// A CRM → CRM migration through the runner: HubSpot contacts (source-hubspot) become
// Salesforce Contacts (destination-salesforce), keyed by the HubSpot record id in the
// external-id field HubSpot_Id__c, so the migration can be rerun and sends only what changed.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let hubspot: HubSpotFake;
let salesforce: SalesforceFake;

/** The fake org's objects, with the external-id field a migration adds to Contact. */
function objectsWithHubSpotId() {
  return defaultObjects().map((object) =>
    object.name !== 'Contact'
      ? object
      : {
          ...object,
          fields: [
            ...object.fields,
            { name: 'HubSpot_Id__c', type: 'string', length: 18, externalId: true, unique: true, idLookup: true },
          ],
        },
  );
}

beforeEach(async () => {
  ws = await tempWorkspace();
  hubspot = await startHubSpotFake();
  salesforce = await startSalesforceFake({ objects: objectsWithHubSpotId() });
});
afterEach(async () => {
  await Promise.all([ws.cleanup(), hubspot.close(), salesforce.close()]);
});

const run = async () =>
  sync(
    await ws.connection('c', {
      name: 'hubspot-to-salesforce',
      source: { connector: 'source-hubspot', config: { access_token: hubspot.token, base_url: hubspot.url } },
      destination: {
        connector: 'destination-salesforce',
        config: {
          auth: {
            auth_type: 'client_credentials',
            client_id: salesforce.clientId,
            client_secret: salesforce.clientSecret,
          },
          login_url: salesforce.loginUrl,
          objects: ['Contact'],
        },
      },
      streams: [
        {
          name: 'contacts',
          sync_mode: 'incremental',
          cursor_field: 'lastmodifieddate',
          primary_key: ['hs_object_id'],
          destination: 'Contact',
          behaviour: 'upsert',
          mapping: { HubSpot_Id__c: 'hs_object_id', Email: 'email', FirstName: 'firstname', LastName: 'lastname' },
          matching_keys: ['HubSpot_Id__c'],
        },
      ],
      state: ws.path('state'),
    }),
  );

/** Salesforce contacts migrated from HubSpot, by HubSpot id. */
const migrated = () =>
  new Map(
    salesforce.store
      .list('Contact')
      .filter((record) => record.fields['HubSpot_Id__c'] != null)
      .map((record) => [String(record.fields['HubSpot_Id__c']), record.fields]),
  );

const writeCalls = () =>
  (salesforce.calls.records as SalesforceCall[]).filter((call) => call.method !== 'GET' && call.path !== '/query');

describe('HubSpot → Salesforce migration', () => {
  it('moves every HubSpot contact once, keyed by its HubSpot id, then on a rerun only the edited ones', async () => {
    const [kept] = salesforce.store.seed('Contact', [{ LastName: 'Already There', Email: 'other@example.com' }]);
    hubspot.store.seed(
      'contacts',
      Array.from({ length: 260 }, (_, i) => ({
        properties: { email: `c${i}@example.com`, firstname: `C${i}`, lastname: `Last${i}` },
      })),
    );
    const hubspotIds = hubspot.store.list('contacts').map((contact) => String(contact.id));

    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['contacts']).toMatchObject({ read: 260, sent: 260, committed: 260, rejected: 0 });
    const contacts = migrated();
    expect([...contacts.keys()].sort()).toEqual([...hubspotIds].sort());
    expect(salesforce.store.list('Contact')).toHaveLength(261);
    expect(contacts.get(hubspotIds[7]!)).toMatchObject({ Email: 'c7@example.com', FirstName: 'C7', LastName: 'Last7' });
    expect(salesforce.store.get('Contact', kept!)?.fields).toMatchObject({ LastName: 'Already There' });

    const edited = [hubspotIds[3]!, hubspotIds[150]!, hubspotIds[259]!];
    await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${hubspot.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ inputs: edited.map((id) => ({ id, properties: { firstname: 'Edited' } })) }),
    });
    const writesBefore = writeCalls().length;
    const second = await run();
    expect(second.error).toBeUndefined();
    expect(second.streams['contacts']).toMatchObject({ read: 3, sent: 3, committed: 3 });
    const after = migrated();
    expect(after.size).toBe(260);
    expect(
      [...after]
        .filter(([, fields]) => fields['FirstName'] === 'Edited')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...edited].sort());
    // The three edits went in one sObject Collections upsert.
    const writes = writeCalls().slice(writesBefore);
    expect(writes.map((call) => [call.route, call.records])).toEqual([
      ['PATCH /composite/sobjects/Contact/HubSpot_Id__c', 3],
    ]);

    const third = await run();
    expect(third.streams['contacts']).toMatchObject({ read: 0, sent: 0 });
    expect(writeCalls().length).toBe(writesBefore + 1);
  }, 120_000);
});
