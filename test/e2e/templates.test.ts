import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import type { AcceptanceReport } from '@backflow/runner';
import { createTestDatabase } from '../support/postgres.js';
import { REPO_ROOT, RUNNER_BIN } from '../support/workspace.js';

// Templates are code: render each one the way a connector author does (`runner new`), then
// build it, run its own tests, pass `runner test-connector` and build its image, so a
// scaffold can never drift into one that fails.
const scratch = join(REPO_ROOT, '.backflow', `templates-test-${process.pid}`);
afterAll(() => rm(scratch, { recursive: true, force: true }));

const runner = (args: string[]) => execa(process.execPath, [RUNNER_BIN, ...args], { cwd: REPO_ROOT, reject: false });

/** Renders, builds and tests a template; returns the package folder. */
async function renderBuildAndTest(kind: string, name: string, template: string, tests: number): Promise<string> {
  const created = await runner(['new', kind, name, '--template', template, '--dir', scratch]);
  expect(created.exitCode, created.stderr).toBe(0);
  expect(created.stdout).toContain(`from templates/${kind}-${template}`);
  const dir = join(scratch, `${kind}-${name}`);
  await execa('npx', ['tsc', '-b', dir], { cwd: REPO_ROOT });
  const own = await execa('npx', ['vitest', 'run'], { cwd: dir, reject: false, env: { CI: '1' } });
  expect(own.exitCode, own.stdout + own.stderr).toBe(0);
  expect(own.stdout).toMatch(new RegExp(`${tests} passed`));
  return dir;
}

async function acceptance(dir: string, config: object, catalog?: object) {
  const path = join(dir, 'acceptance-config.json');
  await writeFile(path, JSON.stringify(config));
  const catalogArgs: string[] = [];
  if (catalog) {
    catalogArgs.push('--catalog', join(dir, 'acceptance-catalog.json'));
    await writeFile(catalogArgs[1]!, JSON.stringify(catalog));
  }
  const run = await runner(['test-connector', dir, '--config', path, ...catalogArgs, '--json']);
  const report = JSON.parse(run.stdout) as AcceptanceReport;
  expect(report.checks.filter((check) => check.status === 'fail')).toEqual([]);
  expect(report.checks.filter((check) => check.status === 'skip')).toEqual([]);
  expect(run.exitCode).toBe(0);
}

async function buildsImage(dir: string, name: string) {
  const built = await execa(process.execPath, ['scripts/build-images.mjs', dir], { cwd: REPO_ROOT, reject: false });
  expect(built.exitCode, built.stdout + built.stderr).toBe(0);
  const spec = await execa('docker', ['run', '--rm', '--network', 'none', `backflow/${name}:0.1.0`, 'spec']);
  expect(JSON.parse(spec.stdout).type).toBe('SPEC');
}

/** What test-connector needs to run a rendered template: a config, maybe a catalog, and a cleanup. */
interface Service {
  readonly config: object;
  readonly catalog?: object;
  close(): Promise<void>;
}

/** Starts the package's own fake of its API (test/fake-api.ts) and points the config at it. */
async function fakeApi(dir: string): Promise<Service> {
  const { startFakeApi } = (await import(join(dir, 'test', 'fake-api.ts'))) as {
    startFakeApi: () => Promise<{ apiKey: string; url: string; close(): Promise<void> }>;
  };
  const api = await startFakeApi();
  return { config: { api_key: api.apiKey, base_url: api.url }, close: () => api.close() };
}

/** A database of its own on the local Postgres, with one keyed table of 30 rows. */
async function database(withCatalog: boolean): Promise<Service> {
  const db = await createTestDatabase('tpl_db');
  await db.sql('CREATE TABLE items (id integer PRIMARY KEY, name text, updated_at timestamptz)');
  await db.sql(
    "INSERT INTO items SELECT i, 'item ' || i, timestamptz '2024-01-01' + (i / 4) * interval '1 day' FROM generate_series(1, 30) i",
  );
  const { host, port, database: name, username } = db.config;
  // Tables declare no cursor, so a source's catalog names one: the resume check needs an incremental read.
  const stream = {
    name: 'items',
    namespace: 'public',
    json_schema: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        name: { type: ['string', 'null'] },
        updated_at: { type: ['string', 'null'], format: 'date-time' },
      },
    },
    supported_sync_modes: ['incremental'],
  };
  const catalog = {
    streams: [
      {
        stream,
        sync_mode: 'incremental',
        cursor_field: ['updated_at'],
        destination_sync_mode: 'append',
        primary_key: [['id']],
      },
    ],
  };
  return {
    config: { host, port, database: name, username },
    ...(withCatalog ? { catalog } : {}),
    close: () => db.drop(),
  };
}

describe.each([
  { kind: 'destination', template: 'api', name: 'acme-crm', tests: 4, service: fakeApi },
  { kind: 'destination', template: 'database', name: 'acme-db', tests: 3, service: () => database(false) },
  { kind: 'source', template: 'api', name: 'acme-shop', tests: 4, service: fakeApi },
  { kind: 'source', template: 'sql', name: 'acme-warehouse', tests: 4, service: () => database(true) },
])('templates/$kind-$template', ({ kind, template, name, tests, service }) => {
  it('renders into a package that builds, passes its tests and test-connector, and builds its image', async () => {
    const dir = await renderBuildAndTest(kind, name, template, tests);
    const running = await service(dir);
    try {
      await acceptance(dir, running.config, running.catalog);
    } finally {
      await running.close();
    }
    await buildsImage(dir, `${kind}-${name}`);
  }, 600_000);
});

it('refuses a bad name, an unknown template or an existing folder, and --help lists the templates', async () => {
  const bad = await runner(['new', 'destination', 'Bad Name']);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toMatch(/name "Bad Name" must be lower-case letters, digits and dashes/);
  const template = await runner(['new', 'source', 'x', '--template', 'database']);
  expect(template.exitCode).toBe(2);
  expect(template.stderr).toMatch(/--template for a source is one of api, sql, got "database"/);
  const existing = await runner(['new', 'destination', 'file']);
  expect(existing.exitCode).toBe(2);
  expect(existing.stderr).toMatch(/connectors\/destination-file already exists/);
  const help = await runner(['new', '--help']);
  expect(help.exitCode).toBe(0);
  expect(help.stdout).toMatch(/destination database {2}a PostgreSQL table per stream/);
});
