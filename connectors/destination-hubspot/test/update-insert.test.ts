import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

describe('update', () => {
  it('updates by hs_object_id and rejects ids HubSpot silently dropped, creating nothing', async () => {
    const { fake, run } = await setUp();
    const [ada, bob] = fake.store.seed('contacts', [
      { properties: { email: 'ada@example.com' } },
      { properties: { email: 'bob@example.com' } },
    ]);
    const result = await run('write', {
      catalog: catalog(stream('people', 'update', { object: 'contacts', key: 'hs_object_id' })),
      input: [
        record('people', { hs_object_id: ada!.id, firstname: 'Ada' }),
        record('people', { hs_object_id: '999999', firstname: 'Ghost' }),
        record('people', { hs_object_id: Number(bob!.id), firstname: 'Bob' }),
        state('people', 1),
      ],
    });

    expect(result.errors).toEqual([]);
    expect(rejectedOf(result)).toEqual([
      expect.objectContaining({
        key: { hs_object_id: '999999' },
        retryable: false,
        reason: expect.stringMatching(
          /no HubSpot contacts record has hs_object_id 999999; behaviour update never creates/,
        ),
      }),
    ]);
    expect(fake.store.list('contacts').map((c) => c.properties.firstname)).toEqual(['Ada', 'Bob']);
    expect(fake.calls.count({ path: '/crm/v3/objects/contacts/batch/update' })).toBe(1);
  });

  it('updates by a hasUniqueValue property with idProperty in the batch update itself', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('companies', [{ properties: { external_id: 'acc-1', name: 'Old' } }]);
    const result = await run('write', {
      catalog: catalog(stream('accounts', 'update', { object: 'companies', key: 'external_id' })),
      input: [
        record('accounts', { external_id: 'acc-1', name: 'New' }),
        record('accounts', { external_id: 'acc-2', name: 'Nope' }),
        state('accounts', 1),
      ],
    });

    expect(rejectedOf(result).map((r) => r.key)).toEqual([{ external_id: 'acc-2' }]);
    expect(fake.store.list('companies').map((c) => c.properties.name)).toEqual(['New']);
    expect(fake.calls.byRoute()).toEqual({
      'GET /crm/v3/properties/companies': 1,
      'POST /crm/v3/objects/companies/batch/update': 1,
    });
  });

  it('updates contacts by email by reading their ids first, since batch update refuses email as idProperty', async () => {
    const { fake, run } = await setUp();
    fake.store.seed(
      'contacts',
      Array.from({ length: 150 }, (_, i) => ({ properties: { email: `c${i}@example.com` } })),
    );
    const input = Array.from({ length: 160 }, (_, i) =>
      record('people', { email: `C${i}@example.com`, lastname: `L${i}` }),
    );
    const result = await run('write', {
      catalog: catalog(stream('people', 'update', { object: 'contacts', key: 'email' })),
      input: [...input, state('people', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(rejectedOf(result)).toHaveLength(10);
    expect(fake.store.list('contacts')).toHaveLength(150);
    expect(fake.store.list('contacts').every((c, i) => c.properties.lastname === `L${i}`)).toBe(true);
    const routes = fake.calls.byRoute();
    expect(routes['POST /crm/v3/objects/contacts/batch/read']).toBe(2);
    expect(routes['POST /crm/v3/objects/contacts/batch/update']).toBe(2);
    expect(fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/update' }).every((c) => c.status === 200)).toBe(
      true,
    );
  });
});

describe('insert', () => {
  it('creates records with batch create and rejects the inputs HubSpot refused in its 207 answer', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('deals', [{ properties: { external_id: 'taken', dealname: 'Existing' } }]);
    const input = Array.from({ length: 120 }, (_, i) =>
      record('deals', {
        dealname: `Deal ${i}`,
        amount: i * 10,
        external_id: i === 7 ? 'taken' : `d-${i}`,
        dealstage: 'qualifiedtobuy',
      }),
    );
    const result = await run('write', {
      catalog: catalog(stream('deals', 'insert', { object: 'deals' })),
      input: [...input, state('deals', 1)],
    });

    expect(result.errors).toEqual([]);
    const rejected = rejectedOf(result);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ retryable: false, reason: expect.stringMatching(/already exists/) });
    expect(fake.calls.filter({ path: '/crm/v3/objects/deals/batch/create' }).map((c) => [c.inputs, c.status])).toEqual([
      [100, 207],
      [20, 201],
    ]);
    expect(fake.store.list('deals')).toHaveLength(120);
  });
});
