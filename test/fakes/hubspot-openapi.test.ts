import { Client } from '@hubspot/api-client';
import { afterEach, describe, expect, test } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from './hubspot/index.js';

// The fake against HubSpot's published OpenAPI (CRM objects v3, properties v3): what it
// refuses where the spec marks a field required, and the shapes of what it answers.
const fakes: HubSpotFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function start() {
  const fake = await startHubSpotFake();
  fakes.push(fake);
  return { fake, client: new Client({ accessToken: fake.token, basePath: fake.url }) };
}

const post = (fake: HubSpotFake, path: string, body: unknown) =>
  fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${fake.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('requests', () => {
  test('a create input without associations is refused, as the spec requires them', async () => {
    const { fake } = await start();
    const response = await post(fake, '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'a@example.com' } }],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe(
      'Invalid input JSON on line 1, column 2: Cannot build SimplePublicObjectBatchInputForCreate, some of required attributes are not set [associations]',
    );
    expect(fake.store.list('contacts')).toEqual([]);
    expect(fake.calls.specViolations).toEqual([
      'POST /crm/v3/objects/{objectType}/batch/create request (BatchInputSimplePublicObjectBatchInputForCreate): /inputs/0/associations must be present (got nothing)',
    ]);
  });

  test('associations must be well-formed, and the fake does not pretend to make them', async () => {
    const { fake } = await start();
    const malformed = await post(fake, '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: {}, associations: [{ to: { id: '1' } }] }],
    });
    expect(((await malformed.json()) as { message: string }).message).toMatch(
      /Cannot build PublicAssociationsForObject, some of required attributes are not set \[types\]/,
    );
    const real = await post(fake, '/crm/v3/objects/contacts/batch/create', {
      inputs: [
        {
          properties: {},
          associations: [
            { to: { id: '1' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] },
          ],
        },
      ],
    });
    expect(real.status).toBe(400);
    expect(fake.store.list('contacts')).toEqual([]);
  });
});

describe('answers', () => {
  test('cleared properties come back as empty strings, never null, from every write', async () => {
    const { fake, client } = await start();
    const created = await client.crm.objects.batchApi.create('contacts', {
      inputs: [{ properties: { email: 'a@example.com', phone: '' }, associations: [] }],
    });
    expect(created.results[0]!.properties['phone']).toBe('');
    const id = created.results[0]!.id;
    const updated = await client.crm.objects.batchApi.update('contacts', {
      inputs: [{ id, properties: { firstname: '' } }],
    });
    expect(updated.results[0]!.properties['firstname']).toBe('');
    const upserted = await client.crm.objects.batchApi.upsert('contacts', {
      inputs: [{ id: 'a@example.com', idProperty: 'email', properties: { lastname: '' } }],
    });
    expect(upserted.results[0]!.properties['lastname']).toBe('');
    // A property never set is absent in HubSpot's eyes: reads give null (the spec allows it there).
    const read = await client.crm.objects.batchApi.read('contacts', {
      inputs: [{ id }],
      properties: ['company', 'phone'],
      propertiesWithHistory: [],
    });
    expect(read.results[0]!.properties).toMatchObject({ company: null, phone: '' });
    expect(fake.calls.specViolations).toEqual([]);
  });

  test('every answer of the served operations, errors included, has the spec’s shape', async () => {
    const { fake, client } = await start();
    await client.crm.properties.coreApi.getAll('contacts');
    await client.crm.objects.batchApi.create('contacts', {
      inputs: [{ properties: { email: 'b@example.com' }, associations: [], objectWriteTraceId: 't1' }],
    });
    await post(fake, '/crm/v3/objects/contacts/batch/create', {
      inputs: [
        { properties: { email: 'not-an-email' }, associations: [], objectWriteTraceId: 'x1' },
        { properties: { email: 'c@example.com' }, associations: [], objectWriteTraceId: 'x2' },
      ],
    });
    await post(fake, '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'b@example.com', idProperty: 'email', properties: { firstname: 'B' } }],
    });
    await post(fake, '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: '999999', properties: {} }] });
    await post(fake, '/crm/v3/objects/contacts/batch/read', {
      inputs: [{ id: 'b@example.com' }, { id: 'nobody@example.com' }],
      idProperty: 'email',
      properties: ['email'],
      propertiesWithHistory: ['email'],
    });
    await post(fake, '/crm/v3/objects/contacts/batch/archive', { inputs: [{ id: '1' }] });
    await post(fake, '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'x', idProperty: 'firstname', properties: {} }],
    });
    const statuses = fake.calls.records.map((call) => call.status);
    expect(statuses).toEqual([200, 201, 207, 200, 207, 207, 204, 400]);
    expect(fake.calls.specViolations).toEqual([]);
  });
});
