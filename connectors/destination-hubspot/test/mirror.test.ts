import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, contacts, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const mirror = stream('people', 'mirror', { object: 'contacts', key: 'email' });
const email = (i: number) => `contact${i}@example.com`;

describe('mirror', () => {
  it('archives the records of delete records, and never records seeded by another tool', async () => {
    const { fake, run } = await setUp();
    const seeded = fake.store.seed('contacts', [
      { properties: { email: 'crm-owner@example.com', firstname: 'Kept' } },
      { properties: { email: 'sales-import@example.com', firstname: 'Kept' } },
    ]);
    await run('write', { catalog: catalog(mirror), input: [...contacts('people', 250), state('people', 1)] });
    fake.calls.reset();

    const deletes = Array.from({ length: 230 }, (_, i) => record('people', { email: email(i) }, 'delete'));
    const result = await run('write', { catalog: catalog(mirror), input: [...deletes, state('people', 2)] });

    expect(result.errors).toEqual([]);
    expect(result.states[0]!.destinationStats).toMatchObject({ recordCount: 230, rejectedRecordCount: 0 });
    const live = fake.store.list('contacts').map((c) => c.properties.email);
    expect(live).toHaveLength(22);
    expect(live).toEqual(expect.arrayContaining(seeded.map((s) => s.properties.email)));
    expect(fake.store.list('contacts', { archived: true })).toHaveLength(230);
    expect(fake.calls.byRoute()).toEqual({
      'GET /crm/v3/properties/contacts': 1,
      'POST /crm/v3/objects/contacts/batch/read': 3,
      'POST /crm/v3/objects/contacts/batch/archive': 3,
    });
  });

  it('batches deletes interleaved with upserts: one read and one archive per 100 deletes', async () => {
    const { fake, run } = await setUp();
    await run('write', { catalog: catalog(mirror), input: [...contacts('people', 100), state('people', 1)] });
    fake.calls.reset();

    // Every other record is a delete: ten SDK batches each carrying 50 upserts and 50 deletes.
    const input = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? record('people', { email: email(i / 2) }, 'delete')
        : record('people', { email: `new${i}@example.com` }),
    );
    const result = await run('write', { catalog: catalog(mirror), input: [...input, state('people', 2)] });

    expect(result.errors).toEqual([]);
    const routes = fake.calls.byRoute();
    expect(routes['POST /crm/v3/objects/contacts/batch/upsert']).toBe(2);
    expect(routes['POST /crm/v3/objects/contacts/batch/read']).toBe(1);
    expect(routes['POST /crm/v3/objects/contacts/batch/archive']).toBe(1);
    expect(fake.store.list('contacts')).toHaveLength(100);
  });

  it('keeps a record upserted again after its delete was queued, and archives the rest at the checkpoint', async () => {
    const { fake, run } = await setUp();
    await run('write', { catalog: catalog(mirror), input: [...contacts('people', 3), state('people', 1)] });
    const result = await run('write', {
      catalog: catalog(mirror),
      input: [
        record('people', { email: email(0) }, 'delete'),
        record('people', { email: email(1) }, 'delete'),
        state('people', 2),
        record('people', { email: email(2) }, 'delete'),
        ...contacts('people', 100, (i) => ({ email: `filler${i}@example.com` })),
        record('people', { email: email(2), firstname: 'Back again' }),
        state('people', 3),
      ],
    });

    expect(result.errors).toEqual([]);
    const archive = fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/archive' });
    expect(archive.map((c) => c.inputs)).toEqual([2]);
    const live = fake.store.list('contacts');
    expect(live.find((c) => c.properties.email === email(2))?.properties.firstname).toBe('Back again');
    expect(live.some((c) => c.properties.email === email(0))).toBe(false);
  });

  it('treats deletes of keys HubSpot does not have as done', async () => {
    const { fake, run } = await setUp();
    const result = await run('write', {
      catalog: catalog(mirror),
      input: [record('people', { email: 'never@example.com' }, 'delete'), state('people', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(rejectedOf(result)).toEqual([]);
    expect(fake.calls.count({ path: '/crm/v3/objects/contacts/batch/archive' })).toBe(0);
  });

  it('rejects delete records outside mirror instead of deleting', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('contacts', [{ properties: { email: email(0) } }]);
    const result = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'contacts', key: 'email' })),
      input: [record('people', { email: email(0) }, 'delete'), state('people', 1)],
    });

    expect(rejectedOf(result)).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/only by behaviour mirror/), retryable: false }),
    ]);
    expect(fake.store.list('contacts')).toHaveLength(1);
  });
});
