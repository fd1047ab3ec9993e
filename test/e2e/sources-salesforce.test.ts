import Docker from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// The Docker variant runs where an engine answers (CI sets BACKFLOW_REQUIRE_DOCKER=1).
const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);
const IMAGE = 'backflow/source-salesforce:0.1.0';

// The Salesforce fake → source-salesforce → destination-postgres, through the runner: a CRM
// backed up into the warehouse, incrementally, deletes included.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let target: TestDatabase;
let salesforce: SalesforceFake;

beforeEach(async () => {
  ws = await tempWorkspace();
  target = await createTestDatabase('e2e_sf_to_pg');
  salesforce = await startSalesforceFake();
});
afterEach(async () => {
  await Promise.all([target.drop(), ws.cleanup(), salesforce.close()]);
});

const config = (extra: Record<string, unknown> = {}) => ({
  auth: { auth_type: 'client_credentials', client_id: salesforce.clientId, client_secret: salesforce.clientSecret },
  login_url: salesforce.loginUrl,
  objects: ['Contact'],
  ...extra,
});

const run = async (source: object = { connector: 'source-salesforce', config: config() }) =>
  sync(
    await ws.connection('c', {
      name: 'salesforce-to-postgres',
      source,
      destination: { connector: 'destination-postgres', config: { ...target.config, schema: 'crm' } },
      streams: [
        {
          name: 'Contact',
          sync_mode: 'incremental',
          cursor_field: 'SystemModstamp', // the source's own cursor (discover's default_cursor_field)
          primary_key: ['Id'],
          behaviour: 'upsert',
          destination: 'salesforce_contacts',
        },
      ],
      state: ws.path('state'),
    }),
  );

const rows = () =>
  target.sql<{ Email: string; LastName: string; IsDeleted: boolean }>(
    'SELECT "Email", "LastName", "IsDeleted" FROM crm.salesforce_contacts ORDER BY "Email"',
  );

const seed = (count: number, prefix: string) =>
  salesforce.store.seed(
    'Contact',
    Array.from({ length: count }, (_, i) => ({ LastName: `${prefix}${i}`, Email: `${prefix}${i}@example.com` })),
  );

describe('runner sync from Salesforce into Postgres', () => {
  it('copies every contact, then on a rerun only the ones edited or deleted in Salesforce', async () => {
    const ids = seed(2500, 'c');
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['Contact']).toMatchObject({ read: 2500, committed: 2500 });
    const copied = await rows();
    expect(copied).toHaveLength(2500);
    expect(copied.find((row) => row.Email === 'c7@example.com')).toEqual({
      Email: 'c7@example.com',
      LastName: 'c7',
      IsDeleted: false,
    });

    for (const id of [ids[3], ids[100], ids[2499]])
      salesforce.store.update(salesforce.store.get('Contact', id!)!, { LastName: 'Edited' });
    salesforce.store.delete(salesforce.store.get('Contact', ids[5]!)!);
    const queriesBefore = salesforce.calls.records.length;
    const second = await run();
    expect(second.error).toBeUndefined();
    expect(second.streams['Contact']).toMatchObject({ read: 4, committed: 4 });
    const after = await rows();
    expect(after.filter((row) => row.LastName === 'Edited').map((row) => row.Email)).toEqual([
      'c100@example.com',
      'c2499@example.com',
      'c3@example.com',
    ]);
    // Deleted in Salesforce: a soft delete (the runner deletes only under mirror, with full refresh).
    expect(after.filter((row) => row.IsDeleted).map((row) => row.Email)).toEqual(['c5@example.com']);
    expect(after).toHaveLength(2500);
    // One token, one describe, one queryAll page: the rerun read only what changed.
    expect(salesforce.calls.records.slice(queriesBefore).filter((c) => c.path.startsWith('/queryAll'))).toHaveLength(1);

    const third = await run();
    expect(third.streams['Contact']).toMatchObject({ read: 0, committed: 0 });
  }, 120_000);

  it('reads through a Bulk API 2.0 query job above bulk_threshold', async () => {
    seed(300, 'b');
    const summary = await run({
      connector: 'source-salesforce',
      config: config({ bulk_threshold: 100, bulk_poll_seconds: 0.01 }),
    });
    expect(summary.error).toBeUndefined();
    expect(summary.streams['Contact']).toMatchObject({ read: 300, committed: 300 });
    expect(salesforce.bulkQuery.created).toHaveLength(1);
    expect(await rows()).toHaveLength(300);
  }, 120_000);

  it.runIf(dockerUp || requireDocker)(
    'reads the same through the Docker image',
    async () => {
      const present = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
      if (!present.includes(IMAGE))
        await execa(process.execPath, ['scripts/build-images.mjs', 'source-salesforce'], { cwd: REPO_ROOT });
      seed(120, 'd');
      const summary = await run({ image: IMAGE, network: 'host', config: config() });
      expect(summary.error).toBeUndefined();
      expect(summary.streams['Contact']).toMatchObject({ read: 120, committed: 120 });
      expect(await rows()).toHaveLength(120);
    },
    180_000,
  );
});
