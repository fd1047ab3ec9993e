import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '@backflow/protocol/testing';
import { configFor, PROJECT, sourceFor, startBigQueryFake, type BigQueryFake } from './helpers.js';

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('check', () => {
  let fake: BigQueryFake;
  beforeAll(async () => {
    fake = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics'] });
    await fake.db.run(`CREATE TABLE analytics.users AS SELECT range AS id FROM range(3)`);
  });
  afterAll(() => fake.close());

  async function check(config: object) {
    const { source } = sourceFor(fake);
    const run = await runInProcess(source, 'check', { config });
    expect(run.exitCode).toBe(0);
    return run.connectionStatus!;
  }

  it('succeeds and says what it found', async () => {
    expect(await check(configFor(fake, { models: [{ name: 'm', sql: 'SELECT id FROM users' }] }))).toEqual({
      status: 'SUCCEEDED',
      message: 'dataset "analytics": 1 table(s)/view(s) and 1 model(s) readable',
    });
  });

  it('explains an unreachable endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const status = await check(configFor(fake, { api_endpoint: endpoint }));
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(
      new RegExp(`^dataset "analytics": cannot reach BigQuery at ${endpoint}: connection refused`),
    );
  });

  it('explains credentials the token endpoint refuses', async () => {
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const status = await check(configFor(fake, {}, { ...fake.credentials, private_key: forged }));
    expect(status).toEqual({
      status: 'FAILED',
      message:
        'dataset "analytics": the token endpoint refused the service account\'s key (invalid_grant: Invalid JWT Signature.); ' +
        'check "credentials_json": the key may be deleted, disabled or from another project',
    });
  });

  it('explains a credentials_json that is not a key file, without quoting it', async () => {
    const status = await check({
      ...configFor(fake),
      credentials_json: '{"private_key": "-----BEGIN PRIVATE KEY-----',
    });
    expect(status).toEqual({
      status: 'FAILED',
      message: '"credentials_json" is not valid JSON; paste the whole service-account key file',
    });
  });

  it('explains a missing dataset (404)', async () => {
    const status = await check(configFor(fake, { dataset_id: 'nope' }));
    expect(status.status).toBe('FAILED');
    // The project id is part of the secret key file, so the SDK masks it in messages.
    expect(status.message).toMatch(/^dataset "nope": Not found: Dataset \S+:nope$/);
  });

  it('explains a missing table listed in "tables" (404)', async () => {
    const status = await check(configFor(fake, { tables: ['users', 'missing'] }));
    expect(status.message).toMatch(/^table "analytics.missing": Not found: Table \S+:analytics.missing/);
  });

  it('explains a missing permission on the dataset (403 accessDenied)', async () => {
    const outsider = fake.createServiceAccount({ name: 'outsider', role: 'none' });
    const status = await check(configFor(fake, {}, outsider));
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(
      /^dataset "analytics": Access Denied: Dataset \S+:analytics: Permission bigquery.datasets.get denied/,
    );
    expect(status.message).toMatch(/needs BigQuery Data Viewer on the dataset and BigQuery Job User on the project\)$/);
  });

  it('explains a missing permission to create query jobs (403 accessDenied)', async () => {
    const viewer = fake.createServiceAccount({ name: 'viewer', role: 'dataViewer' });
    const status = await check(configFor(fake, {}, viewer));
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(
      /^creating a query job: Access Denied: Project \S+: User does not have bigquery.jobs.create permission/,
    );
  });

  it('explains bad SQL in a model with the database’s message', async () => {
    const status = await check(configFor(fake, { models: [{ name: 'broken', sql: 'SELEC id FROM users' }] }));
    expect(status).toEqual({
      status: 'FAILED',
      message: 'model "broken": Syntax error: Unexpected identifier "SELEC"',
    });
  });
});
