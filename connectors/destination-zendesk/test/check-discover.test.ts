import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

describe('check', () => {
  it('accepts an API token and an OAuth token', async () => {
    const { fake, run, config } = await setUp();
    const token = await run('check');
    expect(token.connectionStatus).toMatchObject({
      status: 'SUCCEEDED',
      message: expect.stringContaining(`authenticated as ${fake.email} (admin)`),
    });
    const oauth = await run('check', {
      config: { ...config, credentials: { auth_type: 'oauth2', access_token: fake.oauthToken } },
    });
    expect(oauth.connectionStatus?.status).toBe('SUCCEEDED');
  });

  it('names the credentials when Zendesk answers 401, and never prints the token', async () => {
    const { run, config } = await setUp();
    const secret = 'wrong-token-0123456789';
    const checked = await run('check', {
      config: { ...config, credentials: { auth_type: 'api_token', email: 'a@b.example', api_token: secret } },
    });
    expect(checked.connectionStatus).toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining(
        "Zendesk refused the credentials (401): check credentials. Zendesk says: Couldn't authenticate you",
      ),
    });
    expect(JSON.stringify(checked.messages)).not.toContain(secret);
  });

  it('asks for a subdomain or a base URL', async () => {
    const { run, config } = await setUp();
    const { base_url: _unused, ...rest } = config;
    const checked = await run('check', { config: rest });
    expect(checked.connectionStatus?.message ?? checked.errors[0]?.message).toMatch(/give `subdomain`.*or `base_url`/);
  });
});

describe('discover', () => {
  it('lists users, organizations and tickets with their standard and custom fields', async () => {
    const { fake, run } = await setUp();
    fake.store.addField('users', { key: 'health_score', type: 'integer', title: 'Health score' });
    fake.store.addField('users', { key: 'retired', type: 'text', title: 'Retired', active: false });
    fake.store.addField('organizations', {
      key: 'tier',
      type: 'dropdown',
      title: 'Tier',
      custom_field_options: [{ name: 'Gold', value: 'gold' }],
    });
    const sla = fake.store.addField('tickets', { type: 'date', title: 'SLA date' });
    fake.store.addField('tickets', { type: 'subject', title: 'Subject', removable: false });
    const discovered = await run('discover');
    const operations = discovered.destinationCatalog!.operations;
    expect(operations.map((o) => `${o.object_name}:${o.sync_mode}`)).toEqual([
      'users:append_dedup',
      'users:update',
      'users:append',
      'organizations:append_dedup',
      'organizations:update',
      'organizations:append',
      'tickets:append_dedup',
      'tickets:update',
      'tickets:append',
    ]);
    const props = (name: string) =>
      (
        operations.find((o) => o.object_name === name)!.json_schema as {
          properties: Record<string, { properties?: object }>;
        }
      ).properties;
    expect(props('users').user_fields!.properties).toEqual({
      health_score: expect.objectContaining({ type: 'integer', title: 'Health score' }),
    });
    expect(props('organizations').organization_fields!.properties).toEqual({
      tier: expect.objectContaining({ enum: ['gold'] }),
    });
    expect(props('tickets').custom_fields!.properties).toEqual({
      [String(sla.id)]: expect.objectContaining({ format: 'date' }),
    });
    expect(props('tickets')).toHaveProperty('assignee_email');
    expect(operations.find((o) => o.object_name === 'users' && o.sync_mode === 'append_dedup')!.matching_keys).toEqual([
      ['email'],
      ['external_id'],
    ]);
  });
});

describe('open', () => {
  it.each([
    ['append', stream('s', 'append', { object: 'users' }), /behaviour append is not supported by Zendesk/],
    [
      'an unknown object',
      stream('s', 'upsert', { object: 'contacts', key: 'email' }),
      /Zendesk object "contacts" is not supported/,
    ],
    [
      'a key Zendesk cannot match',
      stream('s', 'upsert', { object: 'organizations', key: 'name' }),
      /cannot upsert organizations by "name"; usable keys: external_id/,
    ],
    [
      'an unknown field',
      stream('s', 'upsert', { object: 'tickets', key: 'external_id', properties: { external_id: {}, subjekt: {} } }),
      /subjekt is not a field of Zendesk tickets/,
    ],
    [
      'an unknown custom field',
      stream('s', 'upsert', {
        object: 'users',
        key: 'email',
        properties: { user_fields: { properties: { nope: {} } } },
      }),
      /user_fields.nope is not a field/,
    ],
  ])('refuses %s before sending anything', async (_what, configured, message) => {
    const { fake, run } = await setUp();
    const written = await run('write', {
      catalog: catalog(configured),
      input: [record('s', { email: 'a@b.example' }), state('s', 1)],
    });
    expect(written.errors[0]?.failure_type).toBe('config_error');
    expect(written.errors[0]?.message).toMatch(message);
    expect(fake.calls.writes).toBe(0);
  });
});
