import { afterEach, describe, expect, it } from 'vitest';
import { closeFakes, setUp, vehicles } from './helpers.js';

afterEach(closeFakes);

describe('check', () => {
  it('succeeds when the token is accepted and every object exists', async () => {
    const { run } = await setUp({ customObject: vehicles }, { object_types: ['contacts', '2-7777'] });
    const result = await run('check');
    expect(result.connectionStatus).toEqual({
      status: 'SUCCEEDED',
      message: expect.stringMatching(/^token accepted; objects: contacts \(\d+ properties\), 2-7777 \(6 properties\)$/),
    });
  });

  it('fails with "token refused" on a 401, without echoing the token', async () => {
    const { run, config } = await setUp();
    const result = await run('check', { config: { ...config, access_token: 'pat-na1-wrong-token' } });
    expect(result.connectionStatus?.status).toBe('FAILED');
    expect(result.connectionStatus?.message).toMatch(
      /^HubSpot refused the private-app token \(401\): check access_token/,
    );
    expect(JSON.stringify(result.messages)).not.toContain('pat-na1-wrong-token');
  });

  it('fails naming an object type HubSpot does not know', async () => {
    const { run } = await setUp({}, { object_types: ['contacts', 'unicorns'] });
    const result = await run('check');
    expect(result.connectionStatus).toEqual({
      status: 'FAILED',
      message: expect.stringMatching(/object type "unicorns" does not exist in this HubSpot account/),
    });
  });

  it('fails with a transient error when HubSpot cannot be reached', async () => {
    const { run, config } = await setUp({}, { max_retries: 1 });
    const result = await run('check', { config: { ...config, base_url: 'http://127.0.0.1:1' } });
    expect(result.connectionStatus).toEqual({
      status: 'FAILED',
      message: expect.stringMatching(/cannot reach HubSpot after 2 attempts: .*ECONNREFUSED/),
    });
  });
});

describe('discover', () => {
  it("lists each object's writable properties with types, and the keys each operation can match on", async () => {
    const { run } = await setUp({ customObject: vehicles }, { object_types: ['contacts', 'companies', '2-7777'] });
    const result = await run('discover');
    const operations = result.destinationCatalog!.operations;

    expect(operations.map((o) => `${o.object_name}:${o.sync_mode}`)).toEqual([
      'contacts:append_dedup',
      'contacts:update',
      'contacts:append',
      'companies:append_dedup',
      'companies:update',
      'companies:append',
      '2-7777:append_dedup',
      '2-7777:update',
      '2-7777:append',
    ]);
    const [contactsUpsert, contactsUpdate] = operations;
    expect(contactsUpsert!.matching_keys).toEqual([['email'], ['external_id']]);
    expect(contactsUpdate!.matching_keys).toEqual([['hs_object_id'], ['email'], ['external_id']]);
    expect(operations[3]!.matching_keys).toEqual([['external_id']]);
    expect(operations[6]!.matching_keys).toEqual([['vin']]);

    const properties = (contactsUpsert!.json_schema as { properties: Record<string, Record<string, unknown>> })
      .properties;
    expect(properties.email).toMatchObject({ type: ['null', 'string'] });
    expect(properties.lifetime_value).toMatchObject({ type: ['null', 'number', 'string'] });
    expect(properties.is_vip).toMatchObject({ type: ['null', 'boolean'] });
    expect(properties.signup_date).toMatchObject({ type: ['null', 'string'], format: 'date' });
    expect(properties.last_seen_at).toMatchObject({ type: ['null', 'string'], format: 'date-time' });
    expect(properties.lifecyclestage).toMatchObject({ enum: expect.arrayContaining(['lead', 'customer']) });
    expect(properties.interests).toMatchObject({
      type: ['null', 'array', 'string'],
      items: { enum: ['analytics', 'crm', 'marketing'] },
    });
    expect(properties).not.toHaveProperty('hs_object_id');
    expect(properties).not.toHaveProperty('lastmodifieddate');
  });
});
