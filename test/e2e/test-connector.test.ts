import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import type { AcceptanceReport } from '@backflow/runner';
import { startBigQueryFake, type BigQueryFake } from '../fakes/bigquery/index.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { fixtureCommand, REPO_ROOT, RUNNER_BIN, tempWorkspace } from '../support/workspace.js';

// `runner test-connector` run the way an author runs it: as a command line, against every
// connector in connectors/ (with the local Postgres and the API fakes), and against an
// independent Airbyte-protocol connector that shares no code with Backflow.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace('test-connector-');
});
afterAll(() => ws.cleanup());

async function testConnector(args: string[], config?: object) {
  const configArgs: string[] = [];
  if (config) {
    const path = ws.path(`config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, JSON.stringify(config));
    configArgs.push('--config', path);
  }
  const result = await execa(process.execPath, [RUNNER_BIN, 'test-connector', ...args, ...configArgs, '--json'], {
    cwd: REPO_ROOT,
    reject: false,
  });
  let report: AcceptanceReport;
  try {
    report = JSON.parse(result.stdout) as AcceptanceReport;
  } catch {
    throw new Error(`no JSON report (exit ${result.exitCode}): ${result.stdout}\n${result.stderr}`);
  }
  return { exitCode: result.exitCode, report, stderr: result.stderr };
}

/** Every check passed (skips named), exit 0. */
function expectPassed(run: Awaited<ReturnType<typeof testConnector>>, skipped: string[] = []) {
  const failed = run.report.checks.filter((check) => check.status === 'fail');
  expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
  expect(run.report.checks.filter((check) => check.status === 'skip').map((check) => check.name)).toEqual(skipped);
  expect(run.exitCode).toBe(0);
}

const statusOf = (report: AcceptanceReport, prefix: string) =>
  report.checks.find((check) => check.name.startsWith(prefix));

describe('a third-party Airbyte connector (test/fixtures/connectors/airbyte-source-faker-lite, no Backflow code)', () => {
  const command = fixtureCommand('airbyte-source-faker-lite');
  const config = { count: 35, api_key: 'sk_live_faker_0123' };

  it('passes every check, resuming from each of its states', async () => {
    const run = await testConnector(['--command', command], config);
    expectPassed(run);
    expect(run.report.kind).toBe('source');
    expect(statusOf(run.report, 'read: every state resumes')?.reason).toBe('resumed from 4 state(s)');
  });

  it.each([
    ['text-on-stdout', 'stdout: nothing but protocol messages', /read stdout line 1: not JSON \(reading\.\.\.\)/],
    ['repeat-after-state', 'read: every state resumes exactly', /1 repeated/],
    ['print-key', 'secrets: no secret value', /read printed secret #1 of the config on stderr/],
  ])('fails, with the reason, when it has the bug "%s"', async (bug, check, reason) => {
    const run = await testConnector(['--command', command], { ...config, simulate_bug: bug });
    expect(run.exitCode).toBe(1);
    const failed = run.report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.name)).toEqual([expect.stringContaining(check)]);
    expect(failed[0]!.reason).toMatch(reason);
  });

  it('prints one line per check and a summary without --json', async () => {
    const path = ws.path('faker.json');
    await writeFile(path, JSON.stringify(config));
    const result = await execa(
      process.execPath,
      [RUNNER_BIN, 'test-connector', '--command', command, '--config', path],
      {
        cwd: REPO_ROOT,
      },
    );
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('PASS  spec: prints one SPEC message — valid against the Airbyte message schema');
    expect(lines.at(-1)).toMatch(/\(source\): 14 passed, 0 failed, 0 skipped$/);
  });
});

describe('every connector in connectors/ passes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('e2e_accept');
    await db.sql(`
      CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL, score numeric, updated_at timestamptz);
      INSERT INTO customers
        SELECT i, 'c' || i || '@example.com', i * 1.5, timestamptz '2024-01-01' + (i / 3) * interval '1 hour'
        FROM generate_series(1, 40) i;
    `);
  });
  afterAll(() => db.drop());

  const model = (sql: string) => ({ name: 'recent_customers', sql, primary_key: ['id'], cursor_field: 'updated_at' });

  it('source-postgres', async () => {
    const config = {
      ...db.config,
      password: 'not-needed-pw',
      checkpoint_interval: 7,
      models: [model('select id, email, score, updated_at from customers')],
    };
    expectPassed(await testConnector(['source-postgres'], config));
  });

  it('source-duckdb', async () => {
    const csv = ws.path('customers.csv');
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${i + 1},c${i + 1}@example.com,2024-01-01 ${String(Math.floor((i + 1) / 3)).padStart(2, '0')}:00:00`,
    );
    await writeFile(csv, ['id,email,updated_at', ...rows].join('\n') + '\n');
    const config = {
      files: [{ name: 'customers', path: csv, primary_key: ['id'], cursor_field: 'updated_at' }],
      checkpoint_interval: 7,
    };
    expectPassed(await testConnector(['source-duckdb'], config));
  });

  describe('with the BigQuery fake', () => {
    let fake: BigQueryFake;
    beforeAll(async () => {
      fake = await startBigQueryFake({ projectId: 'backflow-accept', datasets: ['analytics'] });
      await fake.db.run(`
        CREATE TABLE analytics.customers (id BIGINT, email VARCHAR, updated_at TIMESTAMPTZ);
        INSERT INTO analytics.customers
          SELECT i, 'c' || i || '@example.com', TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(i // 3) FROM range(1, 41) t(i);
      `);
    });
    afterAll(() => fake.close());

    it('source-bigquery', async () => {
      const config = {
        credentials_json: JSON.stringify(fake.credentials),
        project_id: fake.projectId,
        dataset_id: 'analytics',
        api_endpoint: fake.url,
        checkpoint_interval: 7,
        models: [model('SELECT id, email, updated_at FROM analytics.customers')],
      };
      expectPassed(await testConnector(['source-bigquery'], config));
    });
  });

  it('destination-file', async () => {
    const run = await testConnector(['destination-file'], { directory: ws.path('files'), format: 'jsonl' });
    expectPassed(run, ['write: rejects a bad record alone, without failing the batch']);
  });

  it('destination-postgres', async () => {
    const run = await testConnector(['destination-postgres'], {
      ...db.config,
      password: 'not-needed-pw',
      schema: 'accept',
    });
    expectPassed(run, ['write: rejects a bad record alone, without failing the batch']);
  });

  describe('with the webhook receiver', () => {
    let receiver: WebhookReceiver;
    beforeAll(async () => {
      receiver = await startWebhookReceiver({ secret: 'whsec-accept' });
    });
    afterAll(() => receiver.close());

    it('destination-webhook', async () => {
      const run = await testConnector(['destination-webhook'], {
        url: receiver.url,
        signing_secret: 'whsec-accept',
        max_retries: 0,
      });
      expectPassed(run, [
        'discover: returns a valid destination catalog',
        'write: rejects a bad record alone, without failing the batch',
      ]);
    });
  });

  describe('with the HubSpot fake', () => {
    let hubspot: HubSpotFake;
    beforeAll(async () => {
      hubspot = await startHubSpotFake();
    });
    afterAll(() => hubspot.close());

    it('destination-hubspot', async () => {
      const run = await testConnector(['destination-hubspot'], {
        access_token: hubspot.token,
        base_url: hubspot.url,
        max_retries: 0,
      });
      expectPassed(run);
    });
  });
});
