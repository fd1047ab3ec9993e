import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, CONTACT_FIELDS, contacts, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const people = stream('people', 'upsert', { object: 'Contact', key: 'External_Id__c', fields: CONTACT_FIELDS });

describe('authentication', () => {
  it('gets a token with each grant and uses the instance URL of the token response', async () => {
    const { fake, run } = await setUp();
    const grants = {
      client_credentials: {
        auth_type: 'client_credentials',
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
      },
      refresh_token: {
        auth_type: 'refresh_token',
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
        refresh_token: fake.refreshToken,
      },
      jwt_bearer: {
        auth_type: 'jwt_bearer',
        client_id: fake.clientId,
        username: fake.username,
        private_key: fake.jwtPrivateKey,
      },
    };
    for (const auth of Object.values(grants)) {
      const result = await run('check', { config: { auth, login_url: fake.loginUrl, objects: ['Contact', 'Foo__c'] } });
      const printed = JSON.stringify(result.messages);
      for (const secret of [fake.clientSecret, fake.refreshToken, fake.jwtPrivateKey.split('\n')[1]!])
        expect(printed).not.toContain(secret);
      expect(result.connectionStatus).toMatchObject({
        status: 'SUCCEEDED',
        message: expect.stringMatching(/Contact \(\d+ fields\), Foo__c/),
      });
    }
    expect(fake.tokens.issued).toEqual([
      'client_credentials',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    // The login server serves only tokens: the data calls reached the instance.
    expect(fake.loginUrl).not.toBe(fake.instanceUrl);
    expect(fake.calls.count({ path: '/sobjects/Contact/describe' })).toBe(3);
  });

  it('refused credentials fail check with the OAuth error and no secret', async () => {
    const { fake, run } = await setUp();
    const result = await run('check', {
      config: {
        auth: { auth_type: 'client_credentials', client_id: fake.clientId, client_secret: 'wrong-secret-123' },
        login_url: fake.loginUrl,
      },
    });
    expect(result.connectionStatus).toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(
        /refused the client_credentials grant \(invalid_client\): invalid client credentials/,
      ),
    });
    expect(JSON.stringify(result.messages)).not.toContain('wrong-secret-123');
  });

  it('refuses an API version older than Collections upsert needs', async () => {
    const { run, config } = await setUp();
    const result = await run('check', { config: { ...config, api_version: '45.0' } });
    expect(result.connectionStatus).toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(/api_version 45.0 is too old.*46.0 or later/),
    });
  });

  it('renews the token once on 401 INVALID_SESSION_ID; a second 401 fails the run', async () => {
    const { fake, run } = await setUp();
    fake.endSessionsAt('/composite/sobjects');
    const result = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 3), state('people', 1)],
    });
    expect(result.errors).toEqual([]);
    expect(fake.tokens.issued).toHaveLength(2);
    expect(fake.calls.count({ status: 401 })).toBe(1);
    expect(fake.store.list('Contact')).toHaveLength(3);

    fake.failNext({
      status: 401,
      times: 2,
      body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
    });
    const failed = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 3), state('people', 1)],
    });
    expect(failed.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message: expect.stringMatching(/refused a freshly issued access token/),
    });
  });
});

describe('limits and retries', () => {
  it('retries REQUEST_LIMIT_EXCEEDED and 503 with backoff on the injected clock', async () => {
    const { fake, run, time } = await setUp();
    fake.failNext({ status: 403, path: '/composite/sobjects' });
    fake.failNext({ status: 503, path: '/composite/sobjects' });
    const result = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 10), state('people', 1)],
    });
    expect(result.errors).toEqual([]);
    expect(fake.calls.filter({ path: '/composite/*' }).map((c) => c.status)).toEqual([403, 503, 200]);
    expect(time.sleeps).toEqual([375, 750]);
    expect(result.logs.map((l) => l.message).join('\n')).toMatch(
      /REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.; retry 1 of 6/,
    );
    expect(fake.store.list('Contact')).toHaveLength(10);
  });

  it('reports the daily allowance from Sforce-Limit-Info, and fails transiently once it is used up', async () => {
    const { fake, run } = await setUp({ dailyLimit: 1000 }, { max_retries: 1 });
    fake.usage.used = 950;
    const result = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 10), state('people', 1)],
    });
    expect(result.logs).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'Salesforce API usage: 952 of 1000 daily requests (95.2%), per Sforce-Limit-Info',
      }),
    );

    fake.usage.used = 1000;
    const exhausted = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 10), state('people', 1)],
    });
    expect(exhausted.errors[0]).toMatchObject({
      failure_type: 'transient_error',
      message: expect.stringMatching(/REQUEST_LIMIT_EXCEEDED.*daily API request allowance/),
    });
  });
});

describe('discover', () => {
  it('lists writable fields with types, picklists and external ids from the describe', async () => {
    const { run } = await setUp({}, { objects: ['Contact'] });
    const result = await run('discover');
    const operations = result.destinationCatalog!.operations;
    expect(operations.map((o) => [o.sync_mode, o.matching_keys])).toEqual([
      ['append_dedup', [['External_Id__c']]],
      ['update', [['Id'], ['External_Id__c']]],
      ['append', undefined],
    ]);
    const fields = (operations[0]!.json_schema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(fields['Name']).toBeUndefined();
    expect(fields['Plan__c']).toMatchObject({ enum: ['free', 'pro', 'team', 'enterprise', null], createable: true });
    expect(fields['External_Id__c']).toMatchObject({ externalId: true, maxLength: 255 });
    expect(fields['Signed_Up__c']).toMatchObject({ format: 'date' });
  });
});
