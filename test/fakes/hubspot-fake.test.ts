import { Client } from '@hubspot/api-client';
import { afterEach, describe, expect, test } from 'vitest';

import { startHubSpotFake } from './hubspot/index.js';
import type { HubSpotFake, HubSpotFakeOptions } from './hubspot/index.js';

const fakes: HubSpotFake[] = [];

async function start(options: HubSpotFakeOptions = {}): Promise<{ fake: HubSpotFake; client: Client }> {
  const fake = await startHubSpotFake(options);
  fakes.push(fake);
  return { fake, client: new Client({ accessToken: fake.token, basePath: fake.url }) };
}

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** Runs an SDK call expected to fail and returns HubSpot's status and body from the ApiException. */
async function failure(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    const { code, body } = error as { code: number; body: Record<string, unknown> };
    return { code, body };
  }
  throw new Error('expected the call to fail');
}

async function post(fake: HubSpotFake, path: string, body: unknown, token = fake.token): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const vehicles = {
  name: 'vehicles',
  objectTypeId: '2-7777',
  properties: [
    { name: 'vin', type: 'string', fieldType: 'text', hasUniqueValue: true },
    { name: 'model', type: 'string', fieldType: 'text' },
    { name: 'mileage', type: 'number', fieldType: 'number' },
  ],
} satisfies HubSpotFakeOptions['customObject'];

describe('authentication', () => {
  test('a missing or wrong private-app token is refused with 401 INVALID_AUTHENTICATION', async () => {
    const { fake } = await start();
    const missing = await fetch(`${fake.url}/crm/v3/objects/contacts`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('x-hubspot-auth-failure')).toBe('401 Unauthorized');
    const body = (await missing.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.message).toMatch(/^Authentication credentials not found/);

    const wrong = new Client({ accessToken: 'pat-na1-wrong', basePath: fake.url });
    const refused = await failure(wrong.crm.contacts.basicApi.getPage());
    expect(refused.code).toBe(401);
    expect(fake.store.list('contacts')).toHaveLength(0);
  });
});

describe('properties', () => {
  test('lists each object type with HubSpot types, field types, options and uniqueness', async () => {
    const { client } = await start({ customObject: vehicles });
    const contacts = await client.crm.properties.coreApi.getAll('contacts');
    const byName = new Map(contacts.results.map((p) => [p.name, p]));
    expect(byName.get('email')).toMatchObject({ type: 'string', fieldType: 'text', hasUniqueValue: false });
    expect(byName.get('external_id')).toMatchObject({ type: 'string', hasUniqueValue: true });
    expect(byName.get('lifetime_value')).toMatchObject({ type: 'number', fieldType: 'number' });
    expect(byName.get('is_vip')).toMatchObject({ type: 'bool', fieldType: 'booleancheckbox' });
    expect(byName.get('signup_date')).toMatchObject({ type: 'date', fieldType: 'date' });
    expect(byName.get('lifecyclestage')?.options.map((o) => o.value)).toContain('customer');
    expect(byName.get('hs_object_id')?.modificationMetadata?.readOnlyValue).toBe(true);

    const deals = await client.crm.properties.coreApi.getAll('deals');
    expect(deals.results.map((p) => p.name)).toEqual(
      expect.arrayContaining(['dealname', 'amount', 'dealstage', 'pipeline']),
    );
    const custom = await client.crm.properties.coreApi.getAll('2-7777');
    expect(custom.results.find((p) => p.name === 'vin')?.hasUniqueValue).toBe(true);
  });

  test('an unknown object type is refused with 400', async () => {
    const { client } = await start();
    const refused = await failure(client.crm.properties.coreApi.getAll('spaceships'));
    expect(refused.code).toBe(400);
    expect(refused.body.message).toBe('Unable to infer object type from: spaceships');
  });
});

describe('batch upsert', () => {
  test('creates then updates contacts matched case-insensitively by email, flagging new ones', async () => {
    const { fake, client } = await start();
    const first = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: 'ada@example.com', idProperty: 'email', properties: { firstname: 'Ada', lifetime_value: '12.5' } },
        { id: 'bob@example.com', idProperty: 'email', properties: { firstname: 'Bob' } },
      ],
    });
    expect(first.status).toBe('COMPLETE');
    expect(first.results.map((r) => r._new)).toEqual([true, true]);
    expect(first.results[0]?.properties).toMatchObject({ email: 'ada@example.com', lifetime_value: '12.5' });

    const second = await client.crm.contacts.batchApi.upsert({
      inputs: [{ id: 'ADA@example.com', idProperty: 'email', properties: { lastname: 'Lovelace' } }],
    });
    expect(second.results[0]?._new).toBe(false);
    expect(second.results[0]?.id).toBe(first.results[0]?.id);
    const stored = fake.store.list('contacts');
    expect(stored).toHaveLength(2);
    expect(stored[0]?.properties).toMatchObject({ firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com' });
  });

  test('more than 100 inputs fail the whole call with 400 and write nothing', async () => {
    const { fake, client } = await start();
    const inputs = Array.from({ length: 101 }, (_, i) => ({
      id: `user${i}@example.com`,
      idProperty: 'email',
      properties: { firstname: `U${i}` },
    }));
    const refused = await failure(client.crm.contacts.batchApi.upsert({ inputs }));
    expect(refused.code).toBe(400);
    expect(refused.body.category).toBe('VALIDATION_ERROR');
    expect(fake.store.list('contacts')).toHaveLength(0);
    await client.crm.contacts.batchApi.upsert({ inputs: inputs.slice(0, 100) });
    expect(fake.store.list('contacts')).toHaveLength(100);
  });

  test('two inputs naming the same record fail the whole batch', async () => {
    const { fake, client } = await start();
    const refused = await failure(
      client.crm.contacts.batchApi.upsert({
        inputs: [
          { id: 'ada@example.com', idProperty: 'email', properties: { firstname: 'A' } },
          { id: 'Ada@Example.com', idProperty: 'email', properties: { firstname: 'B' } },
        ],
      }),
    );
    expect(refused.code).toBe(400);
    expect(refused.body.message).toMatch(/^Duplicate IDs found in batch input/);
    expect(fake.store.list('contacts')).toHaveLength(0);
  });

  test('idProperty must be a unique property', async () => {
    const { client } = await start();
    for (const idProperty of ['firstname', 'hs_object_id']) {
      const refused = await failure(
        client.crm.contacts.batchApi.upsert({ inputs: [{ id: 'x', idProperty, properties: { lastname: 'X' } }] }),
      );
      expect(refused.code).toBe(400);
      expect(refused.body.message).toBe(
        `Unable to perform update/upsert by non-unique 0-1 property ${idProperty} in portal ID 12345678`,
      );
    }
    const byCustomKey = await client.crm.contacts.batchApi.upsert({
      inputs: [{ id: 'crm-1', idProperty: 'external_id', properties: { firstname: 'K' } }],
    });
    expect(byCustomKey.results[0]?.properties.external_id).toBe('crm-1');
  });

  test('a unique value owned by another record is a 409 conflict', async () => {
    const { fake, client } = await start();
    const [owner] = fake.store.seed('contacts', [{ properties: { email: 'taken@example.com' } }]);
    const refused = await failure(
      client.crm.contacts.batchApi.upsert({
        inputs: [{ id: 'crm-9', idProperty: 'external_id', properties: { email: 'taken@example.com' } }],
      }),
    );
    expect(refused.code).toBe(409);
    expect(refused.body).toMatchObject({
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${owner?.id}`,
    });
  });

  test('custom objects upsert by their unique property, by objectTypeId or fully qualified name', async () => {
    const { fake, client } = await start({ customObject: vehicles });
    await client.crm.objects.batchApi.upsert('2-7777', {
      inputs: [{ id: 'VIN1', idProperty: 'vin', properties: { model: 'T', mileage: '100' } }],
    });
    const again = await client.crm.objects.batchApi.upsert(`p${fake.portalId}_vehicles`, {
      inputs: [{ id: 'VIN1', idProperty: 'vin', properties: { mileage: '250' } }],
    });
    expect(again.results[0]?._new).toBe(false);
    expect(fake.store.list('vehicles').map((r) => r.properties)).toEqual([
      expect.objectContaining({ vin: 'VIN1', model: 'T', mileage: '250' }),
    ]);
  });
});

describe('property validation', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    [
      'unknown property',
      { favourite_colour: 'blue' },
      'PROPERTY_DOESNT_EXIST',
      'Property "favourite_colour" does not exist',
    ],
    ['invalid email', { email: 'not-an-email' }, 'INVALID_EMAIL', 'Email address not-an-email is invalid'],
    ['invalid number', { health_score: '1e3' }, 'INVALID_INTEGER', '1e3 was not a valid number.'],
    ['padded number', { health_score: ' 7' }, 'INVALID_INTEGER', ' 7 was not a valid number.'],
    [
      'enumeration option',
      { lifecyclestage: 'prospect' },
      'INVALID_OPTION',
      'prospect was not one of the allowed options: [subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist, other]',
    ],
    [
      'multi-checkbox option',
      { interests: 'crm;golf' },
      'INVALID_OPTION',
      'golf was not one of the allowed options: [analytics, crm, marketing]',
    ],
    ['boolean', { is_vip: 'yes' }, 'INVALID_OPTION', 'yes was not one of the allowed options: [true, false]'],
    [
      'date not at midnight',
      { signup_date: '1606768561954' },
      'INVALID_DATE',
      '1606768561954 is at 20:36:1.954 UTC, not midnight!',
    ],
    ['read-only property', { hs_object_id: '5' }, 'READ_ONLY_VALUE', 'Property "hs_object_id" is a read only property'],
  ];

  test.each(cases)('%s fails the whole create batch with 400', async (_label, properties, code, message) => {
    const { fake, client } = await start();
    const refused = await failure(
      client.crm.contacts.batchApi.create({
        inputs: [
          { properties: { email: 'ok@example.com' }, associations: [] },
          { properties, associations: [] },
        ],
      }),
    );
    expect(refused.code).toBe(400);
    expect(refused.body.category).toBe('VALIDATION_ERROR');
    expect(refused.body.message).toMatch(/^Property values were not valid: \[/);
    const results = JSON.parse(
      String(refused.body.message).replace('Property values were not valid: ', ''),
    ) as unknown[];
    expect(results).toEqual([
      expect.objectContaining({ isValid: false, error: code, message, name: Object.keys(properties)[0] }),
    ]);
    expect(refused.body.errors).toEqual([expect.objectContaining({ code, message })]);
    expect(fake.store.list('contacts')).toHaveLength(0);
  });

  test('valid values of every type are accepted and normalized as HubSpot returns them', async () => {
    const { client } = await start();
    const created = await client.crm.contacts.batchApi.create({
      inputs: [
        {
          properties: {
            email: 'Mixed@Example.COM',
            signup_date: '1700006400000',
            last_seen_at: '2024-05-01T10:20:30+02:00',
            is_vip: 'true',
            interests: 'crm;analytics',
            health_score: '-3.25',
            phone: '',
          },
          associations: [],
        },
      ],
    });
    expect(created.results[0]?.properties).toMatchObject({
      email: 'mixed@example.com',
      signup_date: '2023-11-15',
      last_seen_at: '2024-05-01T08:20:30.000Z',
      is_vip: 'true',
      interests: 'crm;analytics',
      health_score: '-3.25',
      phone: '',
    });
  });
});

describe('multi-status batch create', () => {
  test('with a unique objectWriteTraceId per input, valid inputs are created and invalid ones reported (207)', async () => {
    const { fake, client } = await start();
    const response = await client.crm.contacts.batchApi.createWithHttpInfo({
      inputs: [
        { objectWriteTraceId: 't1', properties: { email: 'a@example.com' }, associations: [] },
        { objectWriteTraceId: 't2', properties: { email: 'broken' }, associations: [] },
        { objectWriteTraceId: 't3', properties: { email: 'c@example.com', health_score: 'high' }, associations: [] },
      ],
    });
    expect(response.httpStatusCode).toBe(207);
    const body = response.data as unknown as {
      results: { objectWriteTraceId?: string }[];
      numErrors: number;
      errors: { category: string; context: Record<string, string[]> }[];
    };
    expect(body.results.map((r) => r.objectWriteTraceId)).toEqual(['t1']);
    expect(body.numErrors).toBe(2);
    expect(body.errors.map((e) => [e.category, e.context.objectWriteTraceId])).toEqual([
      ['VALIDATION_ERROR', ['t2']],
      ['VALIDATION_ERROR', ['t3']],
    ]);
    expect(fake.store.list('contacts').map((r) => r.properties.email)).toEqual(['a@example.com']);
  });

  test('batch update does not answer multi-status by default: one bad input fails the batch', async () => {
    const { fake, client } = await start();
    const [a, b] = fake.store.seed('contacts', [
      { properties: { email: 'a@example.com' } },
      { properties: { email: 'b@example.com' } },
    ]);
    const refused = await failure(
      client.crm.contacts.batchApi.update({
        inputs: [
          { id: a!.id, objectWriteTraceId: 't1', properties: { firstname: 'A' } },
          { id: b!.id, objectWriteTraceId: 't2', properties: { health_score: 'x' } },
        ],
      }),
    );
    expect(refused.code).toBe(400);
    expect(fake.store.get('contacts', a!.id)?.properties).not.toHaveProperty('firstname');
  });
});

describe('batch update, read and archive', () => {
  test('update by id changes only named properties; unknown ids are dropped silently with 207', async () => {
    const { fake, client } = await start();
    const [seeded] = fake.store.seed('deals', [
      { properties: { dealname: 'Big', amount: '10', dealstage: 'qualifiedtobuy' } },
    ]);
    const updated = await client.crm.deals.batchApi.update({
      inputs: [{ id: seeded!.id, properties: { amount: '20' } }],
    });
    expect(updated.results[0]?.properties).toMatchObject({ amount: '20' });
    expect(fake.store.get('deals', seeded!.id)?.properties).toMatchObject({ dealname: 'Big', amount: '20' });

    const partial = await client.crm.deals.batchApi.updateWithHttpInfo({
      inputs: [
        { id: seeded!.id, properties: { amount: '30' } },
        { id: '999999', properties: { amount: '1' } },
      ],
    });
    expect(partial.httpStatusCode).toBe(207);
    const body = partial.data as unknown as { results: { id: string }[]; numErrors: number; errors: unknown[] };
    expect(body.results.map((r) => r.id)).toEqual([seeded!.id]);
    expect(body).toMatchObject({ numErrors: 0, errors: [] });
    expect(fake.store.get('deals', seeded!.id)?.properties.amount).toBe('30');
    expect(fake.store.list('deals')).toHaveLength(1);
  });

  test('contacts cannot be batch-updated by email (not a hasUniqueValue property)', async () => {
    const { fake, client } = await start();
    fake.store.seed('contacts', [{ properties: { email: 'a@example.com' } }]);
    const refused = await failure(
      client.crm.contacts.batchApi.update({
        inputs: [{ id: 'a@example.com', idProperty: 'email', properties: { firstname: 'A' } }],
      }),
    );
    expect(refused.code).toBe(400);
    expect(refused.body.message).toMatch(/non-unique 0-1 property email/);
  });

  test('read answers 207 when some ids are missing and 404 when all are', async () => {
    const { fake, client } = await start();
    const [a] = fake.store.seed('companies', [{ properties: { name: 'Acme', domain: 'acme.test' } }]);
    const partial = await client.crm.companies.batchApi.readWithHttpInfo({
      inputs: [{ id: a!.id }, { id: '424242' }],
      properties: ['domain'],
      propertiesWithHistory: [],
    });
    expect(partial.httpStatusCode).toBe(207);
    const body = partial.data as unknown as {
      results: { properties: Record<string, string> }[];
      errors: { category: string; context: Record<string, string[]> }[];
    };
    expect(body.results[0]?.properties).toMatchObject({ domain: 'acme.test', hs_object_id: a!.id });
    expect(body.results[0]?.properties).not.toHaveProperty('name');
    expect(body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['424242'] } });

    const none = await failure(
      client.crm.companies.batchApi.read({ inputs: [{ id: '1' }], properties: [], propertiesWithHistory: [] }),
    );
    expect(none.code).toBe(404);
  });

  test('read by email works and property history is limited to 50 inputs', async () => {
    const { fake, client } = await start();
    fake.store.seed('contacts', [{ properties: { email: 'a@example.com', firstname: 'A' } }]);
    const read = await client.crm.contacts.batchApi.read({
      idProperty: 'email',
      inputs: [{ id: 'a@example.com' }],
      properties: ['firstname'],
      propertiesWithHistory: [],
    });
    expect(read.results[0]?.properties.firstname).toBe('A');
    const tooMany = await failure(
      client.crm.contacts.batchApi.read({
        inputs: Array.from({ length: 51 }, (_, i) => ({ id: String(i) })),
        properties: [],
        propertiesWithHistory: ['firstname'],
      }),
    );
    expect(tooMany.code).toBe(400);
    expect(tooMany.body.message).toMatch(/property histories is 50/);
  });

  test('a read body without properties and propertiesWithHistory does not bind', async () => {
    const { fake } = await start();
    const response = await post(fake, '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: '1' }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe(
      'Invalid input JSON on line 1, column 2: Cannot build BatchReadInputSimplePublicObjectId, some of required attributes are not set [properties, propertiesWithHistory]',
    );
  });

  test('archive answers 204 for known and unknown ids and hides archived records', async () => {
    const { fake, client } = await start();
    const [a, b] = fake.store.seed('contacts', [
      { properties: { email: 'a@example.com' } },
      { properties: { email: 'b@example.com' } },
    ]);
    await client.crm.contacts.batchApi.archive({ inputs: [{ id: a!.id }, { id: '31337' }] });
    expect(fake.store.list('contacts').map((r) => r.id)).toEqual([b!.id]);
    expect(fake.store.list('contacts', { archived: true }).map((r) => r.id)).toEqual([a!.id]);
    const archived = await client.crm.contacts.basicApi.getPage(10, undefined, undefined, undefined, undefined, true);
    expect(archived.results.map((r) => r.id)).toEqual([a!.id]);
  });
});

describe('single-object endpoints', () => {
  test('create, get and update by email, and archive go through the same rules', async () => {
    const { fake, client } = await start();
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'solo@example.com', firstname: 'Solo' },
      associations: [],
    });
    expect(created.properties.email).toBe('solo@example.com');
    const byEmail = await client.crm.contacts.basicApi.getById(
      'solo@example.com',
      ['firstname'],
      undefined,
      undefined,
      false,
      'email',
    );
    expect(byEmail.id).toBe(created.id);
    await client.crm.contacts.basicApi.update('solo@example.com', { properties: { lastname: 'Han' } }, 'email');
    expect(fake.store.get('contacts', created.id)?.properties.lastname).toBe('Han');
    const invalid = await failure(
      client.crm.contacts.basicApi.update(created.id, { properties: { lifecyclestage: 'x' } }),
    );
    expect(invalid.code).toBe(400);
    await client.crm.contacts.basicApi.archive(created.id);
    await client.crm.contacts.basicApi.archive('987654');
    const gone = await failure(client.crm.contacts.basicApi.getById(created.id));
    expect(gone.code).toBe(404);
  });
});

describe('listing', () => {
  test('pages with limit and paging.next.after until the last page', async () => {
    const { fake, client } = await start();
    fake.store.seed(
      'contacts',
      Array.from({ length: 25 }, (_, i) => ({ properties: { email: `p${i}@example.com`, firstname: `P${i}` } })),
    );
    const ids: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.contacts.basicApi.getPage(10, after, ['firstname']);
      ids.push(...page.results.map((r) => r.id));
      expect(page.results.every((r) => r.properties.firstname?.startsWith('P'))).toBe(true);
      after = page.paging?.next?.after;
      pages += 1;
    } while (after);
    expect(pages).toBe(3);
    expect(ids).toEqual(fake.store.list('contacts').map((r) => r.id));
    const tooBig = await failure(client.crm.contacts.basicApi.getPage(101));
    expect(tooBig.code).toBe(400);
  });

  test('without named properties a list returns the type defaults', async () => {
    const { fake, client } = await start();
    fake.store.seed('contacts', [{ properties: { email: 'a@example.com', phone: '123' } }]);
    const page = await client.crm.contacts.basicApi.getPage();
    expect(Object.keys(page.results[0]!.properties).sort()).toEqual([
      'createdate',
      'email',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
      'lastname',
    ]);
  });
});

describe('rate limits', () => {
  test('the rolling window answers 429 TEN_SECONDLY_ROLLING with Retry-After, then recovers', async () => {
    let now = Date.UTC(2025, 0, 1, 12);
    const { fake } = await start({ now: () => now, rateLimit: { max: 3, intervalMs: 10_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await post(fake, '/crm/v3/objects/contacts/batch/archive', { inputs: [] });
      statuses.push(ok.status);
      expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('3');
      expect(ok.headers.get('x-hubspot-ratelimit-remaining')).toBe(String(2 - i));
      expect(ok.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
      now += 1000;
    }
    const limited = await post(fake, '/crm/v3/objects/contacts/batch/archive', { inputs: [] });
    expect(statuses).toEqual([204, 204, 204]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      message: 'You have reached your ten_secondly_rolling limit.',
    });
    now += 7000;
    expect((await post(fake, '/crm/v3/objects/contacts/batch/archive', { inputs: [] })).status).toBe(204);
    expect(fake.calls.rateLimited).toBe(1);
  });

  test('the daily quota answers 429 DAILY until the next UTC day', async () => {
    let now = Date.UTC(2025, 0, 1, 23, 0);
    const { fake, client } = await start({ now: () => now, rateLimit: { daily: 2 } });
    await client.crm.contacts.basicApi.getPage();
    const ok = await fetch(`${fake.url}/crm/v3/objects/contacts`, {
      headers: { Authorization: `Bearer ${fake.token}` },
    });
    expect(ok.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('0');
    const refused = await failure(client.crm.contacts.basicApi.getPage());
    expect(refused.code).toBe(429);
    expect(refused.body).toMatchObject({ policyName: 'DAILY', message: 'You have reached your daily limit.' });
    now = Date.UTC(2025, 0, 2, 0, 0, 1);
    await client.crm.contacts.basicApi.getPage();
  });
});

describe('test controls', () => {
  test('failNext injects failures, and calls count them by route and status', async () => {
    const { fake } = await start();
    fake.failNext({ status: 503, times: 2 });
    fake.failNext({ status: 429, retryAfter: 3 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const response = await post(fake, '/crm/v3/objects/contacts/batch/upsert', {
        inputs: [{ id: 'a@example.com', idProperty: 'email', properties: {} }],
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses).toEqual([503, 503, 429, 200]);
    expect(retryAfter).toBe('3');
    expect(fake.calls.total).toBe(4);
    expect(fake.calls.byRoute()).toEqual({ 'POST /crm/v3/objects/contacts/batch/upsert': 4 });
    expect(fake.calls.count({ status: 503 })).toBe(2);
    expect(fake.calls.rateLimited).toBe(1);
    expect(fake.calls.filter({ status: 200 })[0]?.inputs).toBe(1);
  });

  test('seeded records stay untouched by writes to other records; invalid seeds are refused', async () => {
    const { fake, client } = await start();
    const [foreign] = fake.store.seed('contacts', [
      { properties: { email: 'other-tool@example.com', firstname: 'Keep' } },
    ]);
    await client.crm.contacts.batchApi.upsert({
      inputs: [{ id: 'mine@example.com', idProperty: 'email', properties: { firstname: 'Mine' } }],
    });
    expect(fake.store.get('contacts', foreign!.id)?.properties).toMatchObject({
      firstname: 'Keep',
      email: 'other-tool@example.com',
    });
    expect(fake.store.list('contacts')).toHaveLength(2);
    expect(() => fake.store.seed('contacts', [{ properties: { health_score: 'lots' } }])).toThrow(/not a valid number/);
    expect(() => fake.store.seed('contacts', [{ properties: { email: 'other-tool@example.com' } }])).toThrow(
      /already exists/,
    );
  });
});
