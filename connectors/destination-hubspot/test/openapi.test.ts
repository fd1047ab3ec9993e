import { afterEach, describe, expect, it } from 'vitest';
import { operationOf } from '../../../test/fakes/hubspot/index.js';
import { catalog, closeFakes, contacts, record, setUp, state, stream } from './helpers.js';

// closeFakes (after every test of this package) fails a test whose requests or answers depart
// from HubSpot's OpenAPI; this one makes sure every operation the connector uses was exercised.
afterEach(closeFakes);

describe("HubSpot's OpenAPI", () => {
  it('every operation the connector uses is sent and answered as the spec says', async () => {
    const { fake, run } = await setUp();
    await run('check');
    await run('discover');
    const mirror = stream('people', 'mirror', { object: 'contacts', key: 'email' });
    await run('write', {
      catalog: catalog(mirror),
      input: [...contacts('people', 3, () => ({ phone: null })), state('people', 1)],
    });
    await run('write', {
      catalog: catalog(mirror),
      input: [record('people', { email: 'contact0@example.com' }, 'delete'), state('people', 2)],
    });
    await run('write', {
      catalog: catalog(stream('leads', 'insert', { object: 'contacts' })),
      input: [record('leads', { email: 'new@example.com', firstname: 'New' }), state('leads', 1)],
    });
    const id = fake.store.list('contacts')[0]!.id;
    await run('write', {
      catalog: catalog(stream('fixes', 'update', { object: 'contacts', key: 'hs_object_id' })),
      input: [record('fixes', { hs_object_id: id, firstname: 'Fixed' }), state('fixes', 1)],
    });

    const operations = new Set(fake.calls.records.map((call) => operationOf(call)));
    expect([...operations].sort()).toEqual([
      'GET /crm/v3/properties/{objectType}',
      'POST /crm/v3/objects/{objectType}/batch/archive',
      'POST /crm/v3/objects/{objectType}/batch/create',
      'POST /crm/v3/objects/{objectType}/batch/read',
      'POST /crm/v3/objects/{objectType}/batch/update',
      'POST /crm/v3/objects/{objectType}/batch/upsert',
    ]);
    expect(fake.calls.specViolations).toEqual([]);
    // contact0 archived, contact1 (the first live one) fixed, the insert added.
    expect(fake.store.list('contacts').map((c) => c.properties.firstname)).toEqual(['Fixed', 'First2', 'New']);
  });
});
