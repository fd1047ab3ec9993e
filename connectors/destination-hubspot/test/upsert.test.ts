import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, contacts, record, rejectedOf, setUp, state, stream, vehicles } from './helpers.js';

afterEach(closeFakes);

const contactsStream = stream('people', 'upsert', { object: 'contacts', key: 'email' });

describe('upsert', () => {
  it('upserts contacts by email with one batch call per 100 records', async () => {
    const { fake, run } = await setUp();
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [...contacts('people', 250), state('people', 1)],
    });

    expect(result.errors).toEqual([]);
    expect(result.states).toHaveLength(1);
    expect(result.states[0]!.destinationStats).toMatchObject({ recordCount: 250, rejectedRecordCount: 0 });
    const upserts = fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/upsert' });
    expect(upserts.map((call) => call.inputs)).toEqual([100, 100, 50]);
    expect(fake.calls.count({ path: '/crm/v3/objects/*' })).toBe(3);
    expect(fake.store.list('contacts')).toHaveLength(250);
  });

  it('updates the same contacts on the next sync, matching emails case-insensitively', async () => {
    const { fake, run } = await setUp();
    await run('write', { catalog: catalog(contactsStream), input: [...contacts('people', 3), state('people', 1)] });
    const second = await run('write', {
      catalog: catalog(contactsStream),
      input: [record('people', { email: 'CONTACT1@example.com', firstname: 'Renamed' }), state('people', 2)],
    });

    expect(second.errors).toEqual([]);
    const stored = fake.store.list('contacts');
    expect(stored).toHaveLength(3);
    expect(stored.find((c) => c.properties.email === 'contact1@example.com')?.properties.firstname).toBe('Renamed');
  });

  it("coerces values to each property's HubSpot type", async () => {
    const { fake, run } = await setUp();
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [
        record('people', {
          email: 'typed@example.com',
          lifetime_value: '1234.50',
          health_score: 1e-7,
          is_vip: 'TRUE',
          signup_date: '2024-02-29T18:30:00+02:00',
          last_seen_at: '2024-01-31T12:34:56.789123',
          lifecyclestage: 'Customer',
          interests: ['crm', 'analytics'],
          phone: 3312345678,
          company: null,
        }),
        state('people', 1),
      ],
    });

    expect(result.errors).toEqual([]);
    expect(rejectedOf(result)).toEqual([]);
    const [contact] = fake.store.list('contacts');
    expect(contact!.properties).toMatchObject({
      lifetime_value: '1234.5',
      health_score: '0.0000001',
      is_vip: 'true',
      signup_date: '2024-02-29',
      last_seen_at: '2024-01-31T12:34:56.789Z',
      lifecyclestage: 'customer',
      interests: 'crm;analytics',
      phone: '3312345678',
    });
    // A null value clears the property, which HubSpot then answers as an empty string.
    expect(contact!.properties.company).toBe('');
  });

  it('collapses records with the same key in one batch, the last one winning', async () => {
    const { fake, run } = await setUp();
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [
        record('people', { email: 'twice@example.com', firstname: 'First' }),
        record('people', { email: 'TWICE@example.com', firstname: 'Second' }),
        state('people', 1),
      ],
    });

    expect(result.states[0]!.destinationStats).toMatchObject({ recordCount: 2, rejectedRecordCount: 0 });
    expect(fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/upsert' }).map((c) => c.inputs)).toEqual([1]);
    expect(fake.store.list('contacts').map((c) => c.properties.firstname)).toEqual(['Second']);
  });

  it('upserts companies and custom objects by a hasUniqueValue property', async () => {
    const { fake, run } = await setUp({ customObject: vehicles });
    const result = await run('write', {
      catalog: catalog(
        stream('accounts', 'upsert', { object: 'companies', key: 'external_id' }),
        stream('fleet', 'upsert', { object: '2-7777', key: 'vin' }),
      ),
      input: [
        record('accounts', { external_id: 'acc-1', name: 'Acme', domain: 'acme.test', industry: 'RETAIL' }),
        record('fleet', { vin: 'VIN1', model: 'Model T', mileage: 120000 }),
        state('accounts', 1),
      ],
    });

    expect(result.errors).toEqual([]);
    expect(fake.store.list('companies')[0]!.properties).toMatchObject({
      external_id: 'acc-1',
      name: 'Acme',
      industry: 'RETAIL',
    });
    expect(fake.store.list('vehicles')[0]!.properties).toMatchObject({ vin: 'VIN1', mileage: '120000' });
  });

  it('refuses to upsert companies by domain, which HubSpot does not treat as unique', async () => {
    const { fake, run } = await setUp();
    const result = await run('write', {
      catalog: catalog(stream('accounts', 'upsert', { object: 'companies', key: 'domain' })),
      input: [record('accounts', { domain: 'acme.test' }), state('accounts', 1)],
    });

    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(result.errors[0]!.message).toMatch(/cannot upsert companies by "domain".*Usable here: external_id/);
    expect(fake.calls.count({ path: '/crm/v3/objects/*' })).toBe(0);
  });
});
