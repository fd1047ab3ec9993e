import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, customer, record, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const S = 'segment';

/** Everything a run printed, to prove no secret is in it. */
const printed = (run: { messages: unknown[] }) => JSON.stringify(run.messages);

describe('credentials and check', () => {
  it('check signs in as the service account (a JWT verified with its public key) and reads the spreadsheet', async () => {
    const setup = await setUp();
    const run = await setup.run('check');
    expect(run.connectionStatus).toEqual({
      status: 'SUCCEEDED',
      message: `spreadsheet "Segments" (${setup.spreadsheetId}) readable; sheets: Sheet1`,
    });
    expect(setup.fake.auth.issued).toEqual({ jwt: 1, refresh: 0 });
  });

  it("a user's OAuth refresh token works, and the spreadsheet URL stands for its ID", async () => {
    const setup = await setUp();
    const grant = setup.fake.oauthGrant('ops@acme.example');
    const config = {
      ...setup.config,
      spreadsheet_id: `https://docs.google.com/spreadsheets/d/${setup.spreadsheetId}/edit#gid=0`,
      credentials: {
        auth_type: 'oauth2_refresh_token',
        client_id: grant.client_id,
        client_secret: grant.client_secret,
        refresh_token: grant.refresh_token,
      },
    };
    const run = await setup.run('write', {
      config,
      catalog: catalog(stream(S, 'upsert')),
      input: [record(S, customer(1)), state(S)],
    });
    expect(run.exitCode).toBe(0);
    expect(setup.sheet(S)).toHaveLength(2);
    // One token for the whole run, however many requests.
    expect(setup.fake.auth.issued).toEqual({ jwt: 0, refresh: 1 });
  });

  it("a key the account does not own fails check with Google's reason and never prints the key", async () => {
    const setup = await setUp();
    const forged = {
      ...JSON.parse((setup.config.credentials as { service_account_info: string }).service_account_info),
      private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    };
    const run = await setup.run('check', {
      config: {
        ...setup.config,
        credentials: { auth_type: 'service_account', service_account_info: JSON.stringify(forged) },
      },
    });
    expect(run.connectionStatus?.status).toBe('FAILED');
    expect(run.connectionStatus?.message).toMatch(
      /credentials: Google's token endpoint refused them: invalid_grant \(Invalid JWT Signature\.\)/,
    );
    expect(printed(run)).not.toContain('PRIVATE KEY');
    expect(printed(run)).not.toContain(forged.private_key.slice(40, 80));
  });

  it("a wrong client secret fails with the token endpoint's error; secrets stay out", async () => {
    const setup = await setUp();
    const grant = setup.fake.oauthGrant('ops@acme.example');
    const credentials = {
      auth_type: 'oauth2_refresh_token',
      client_id: grant.client_id,
      client_secret: 'GOCSPX-wrong',
      refresh_token: grant.refresh_token,
    };
    const run = await setup.run('check', { config: { ...setup.config, credentials } });
    expect(run.connectionStatus?.status).toBe('FAILED');
    expect(run.connectionStatus?.message).toMatch(/invalid_client \(Unauthorized\)/);
    expect(printed(run)).not.toContain(grant.refresh_token);
    expect(printed(run)).not.toContain('GOCSPX-wrong');
  });

  it('a key file that is not JSON names the field without echoing it', async () => {
    const setup = await setUp();
    const run = await setup.run('check', {
      config: {
        ...setup.config,
        credentials: { auth_type: 'service_account', service_account_info: 'not json -----BEGIN PRIVATE KEY-----' },
      },
    });
    expect(run.connectionStatus?.status).toBe('FAILED');
    expect(run.connectionStatus?.message).toContain('credentials.service_account_info: not JSON');
    expect(printed(run)).not.toContain('BEGIN PRIVATE KEY');
  });

  it('a spreadsheet not shared with the account, or shared read-only, is a config error saying to share it', async () => {
    const setup = await setUp();
    const other = setup.fake.createSpreadsheet({ editors: ['someone@acme.example'] });
    const notShared = await setup.run('check', { config: { ...setup.config, spreadsheet_id: other.spreadsheetId } });
    expect(notShared.connectionStatus?.message).toMatch(
      new RegExp(`The caller does not have permission. Share spreadsheet ${other.spreadsheetId} as Editor`),
    );
    const email = JSON.parse((setup.config.credentials as { service_account_info: string }).service_account_info)
      .client_email as string;
    const readOnly = setup.fake.createSpreadsheet({ editors: [], viewers: [email] });
    const run = await setup.run('write', {
      config: { ...setup.config, spreadsheet_id: readOnly.spreadsheetId },
      catalog: catalog(stream(S, 'upsert')),
      input: [record(S, customer(1)), state(S)],
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(run.errors[0]!.message).toMatch(/batchUpdate adding 1 sheet\(s\): .*The caller does not have permission/);
  });

  it('an unknown spreadsheet ID is a config error naming it', async () => {
    const setup = await setUp();
    const run = await setup.run('check', { config: { ...setup.config, spreadsheet_id: 'nope' } });
    expect(run.connectionStatus?.message).toBe(
      'spreadsheets.get: spreadsheet_id nope was not found (Requested entity was not found.); check the ID and that it is shared',
    );
  });
});
