import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { tempWorkspace } from '../support/workspace.js';

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

const run = async () =>
  sync(
    await ws.connection('c', {
      name: 'hubspot-to-postgres',
      source: { connector: 'source-hubspot', config: { access_token: hubspot.token, base_url: hubspot.url } },
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
});
