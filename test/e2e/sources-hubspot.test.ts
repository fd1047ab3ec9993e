import Docker from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// The Docker variant runs where an engine answers (CI sets BACKFLOW_REQUIRE_DOCKER=1).
const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);
const IMAGE = 'backflow/source-hubspot:0.1.0';

// The HubSpot fake → source-hubspot → destination-postgres, through the runner: a CRM backed
// up into the warehouse, incrementally.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let target: TestDatabase;
let hubspot: HubSpotFake;

beforeEach(async () => {
  ws = await tempWorkspace();
  target = await createTestDatabase('e2e_hs_to_pg');
  hubspot = await startHubSpotFake();
});
afterEach(async () => {
  await Promise.all([target.drop(), ws.cleanup(), hubspot.close()]);
});

const config = () => ({ access_token: hubspot.token, base_url: hubspot.url });

const run = async (source: object = { connector: 'source-hubspot', config: config() }) =>
  sync(
    await ws.connection('c', {
      name: 'hubspot-to-postgres',
      source,
      destination: { connector: 'destination-postgres', config: { ...target.config, schema: 'crm' } },
      streams: [
        {
          name: 'contacts',
          sync_mode: 'incremental',
          cursor_field: 'lastmodifieddate', // the source's own cursor (discover's default_cursor_field)
          primary_key: ['hs_object_id'],
          behaviour: 'upsert',
          destination: 'hubspot_contacts',
        },
      ],
      state: ws.path('state'),
    }),
  );

const rows = () =>
  target.sql<{ email: string; firstname: string | null }>(
    'SELECT email, firstname FROM crm.hubspot_contacts ORDER BY hs_object_id::bigint',
  );

describe('runner sync from HubSpot into Postgres', () => {
  it('copies every contact, then on a rerun only the ones edited in HubSpot', async () => {
    hubspot.store.seed(
      'contacts',
      Array.from({ length: 450 }, (_, i) => ({ properties: { email: `c${i}@example.com`, firstname: `C${i}` } })),
    );
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['contacts']).toMatchObject({ read: 450, committed: 450 });
    const copied = await rows();
    expect(copied).toHaveLength(450);
    expect(copied[7]).toEqual({ email: 'c7@example.com', firstname: 'C7' });

    const ids = hubspot.store.list('contacts').map((c) => c.id);
    await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${hubspot.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        inputs: [ids[3], ids[100], ids[449]].map((id) => ({ id, properties: { firstname: 'Edited' } })),
      }),
    });
    const second = await run();
    expect(second.exitCode).toBe(EXIT_CODES.success);
    expect(second.streams['contacts']).toMatchObject({ read: 3, committed: 3 });
    const after = await rows();
    expect(after.filter((row) => row.firstname === 'Edited').map((row) => row.email)).toEqual([
      'c3@example.com',
      'c100@example.com',
      'c449@example.com',
    ]);
    expect(after).toHaveLength(450);

    const third = await run();
    expect(third.streams['contacts']).toMatchObject({ read: 0, committed: 0 });
  });

  it.runIf(dockerUp || requireDocker)(
    'reads the same through the Docker image',
    async () => {
      const present = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
      if (!present.includes(IMAGE))
        await execa(process.execPath, ['scripts/build-images.mjs', 'source-hubspot'], { cwd: REPO_ROOT });
      hubspot.store.seed(
        'contacts',
        Array.from({ length: 120 }, (_, i) => ({ properties: { email: `d${i}@example.com`, firstname: `D${i}` } })),
      );
      const summary = await run({ image: IMAGE, network: 'host', config: config() });
      expect(summary.error).toBeUndefined();
      expect(summary.streams['contacts']).toMatchObject({ read: 120, committed: 120 });
      expect(await rows()).toHaveLength(120);
    },
    180_000,
  );
});
