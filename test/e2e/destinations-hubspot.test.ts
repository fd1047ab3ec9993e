import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startFailingProxy } from '../support/failing-proxy.js';
import {
  createTestDatabase,
  insertModelRows,
  modelSource,
  seedModelTable,
  tableRows,
  type ModelRow,
  type TestDatabase,
} from '../support/postgres.js';
import { tempWorkspace } from '../support/workspace.js';

// Postgres model → destination-hubspot (contacts) → the HubSpot fake, through the runner.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let hubspot: HubSpotFake;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_hs_src');
  hubspot = await startHubSpotFake();
});
afterEach(async () => {
  await Promise.all([source.drop(), ws.cleanup(), hubspot.close()]);
});

/** Model columns → contact properties; contacts are matched by email. */
const MAPPING = {
  email: 'email',
  firstname: 'first_name',
  lastname: 'last_name',
  company: 'plan',
  health_score: 'score',
  signup_date: 'signed_up',
};
type Contact = Record<keyof typeof MAPPING, string | null>;

function connection(stream: object = {}, destination: object = {}, extra: object = {}) {
  return {
    name: 'customers-to-hubspot',
    source: modelSource(source),
    destination: {
      connector: 'destination-hubspot',
      config: { access_token: hubspot.token, base_url: hubspot.url, max_retries: 0, ...destination },
    },
    streams: [
      {
        name: 'customers',
        destination: 'contacts',
        behaviour: 'mirror',
        mapping: MAPPING,
        matching_keys: ['email'],
        ...stream,
      },
    ],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (stream?: object, destination?: object, extra?: object) =>
  sync(await ws.connection('c', connection(stream, destination, extra)));

/** The model as contacts: what the portal should hold, ordered by email. */
async function modelContacts(): Promise<Contact[]> {
  return byEmail((await tableRows(source, 'customers')).map(asContact));
}

function asContact(row: ModelRow): Contact {
  return {
    email: row.email,
    firstname: row.first_name,
    lastname: row.last_name,
    company: row.plan,
    // HubSpot keeps a number property's value, not its scale: 22.50 reads back as 22.5.
    health_score: row.score === null ? null : String(Number(row.score)),
    signup_date: row.signed_up,
  };
}

/** The contacts in the fake portal (mapped properties only), ordered by email. */
function portalContacts(): Contact[] {
  const fields = Object.keys(MAPPING) as (keyof Contact)[];
  return byEmail(
    hubspot.store
      .list('contacts')
      .map((record) => Object.fromEntries(fields.map((f) => [f, record.properties[f] ?? null])) as Contact),
  );
}

const byEmail = (contacts: Contact[]) => contacts.sort((a, b) => (a.email ?? '').localeCompare(b.email ?? ''));

const OBJECTS = '/crm/v3/objects/contacts/batch';
/** Calls per batch operation since the last reset, e.g. `{ upsert: 3 }`. */
function batchCalls(): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const call of hubspot.calls.filter({ path: `${OBJECTS}/*` })) {
    const operation = call.path.slice(OBJECTS.length + 1);
    calls[operation] = (calls[operation] ?? 0) + 1;
  }
  return calls;
}

const OTHER_TOOL: Contact = {
  email: 'kept@other-tool.example',
  firstname: 'Kept',
  lastname: 'Elsewhere',
  company: 'legacy',
  health_score: '5',
  signup_date: '2020-01-01',
};

describe('destination-hubspot end to end', () => {
  it('contacts equal the model after the first run, updates and deletes, in ceil(n/100) calls per operation; others stay', async () => {
    await seedModelTable(source, 1200);
    hubspot.store.seed('contacts', [{ properties: OTHER_TOOL as Record<string, string> }]);

    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 1200, added: 1200, sent: 1200, committed: 1200 });
    expect(portalContacts()).toEqual(byEmail([...(await modelContacts()), OTHER_TOOL]));
    expect(batchCalls()).toEqual({ upsert: 12 });
    expect(hubspot.calls.rateLimited).toBe(0);

    await source.sql(`UPDATE customers SET plan = 'enterprise', score = score + 1000 WHERE id % 40 = 0`); // 30 rows
    await insertModelRows(source, 1201, 1210);
    hubspot.calls.reset();
    const updated = await run();
    expect(updated.exitCode).toBe(EXIT_CODES.success);
    expect(updated.streams['customers']).toMatchObject({ added: 10, changed: 30, unchanged: 1170, sent: 40 });
    expect(portalContacts()).toEqual(byEmail([...(await modelContacts()), OTHER_TOOL]));
    expect(batchCalls()).toEqual({ upsert: 1 });

    await source.sql(`DELETE FROM customers WHERE id % 5 = 0`); // 242 rows
    hubspot.calls.reset();
    const deleted = await run();
    expect(deleted.exitCode).toBe(EXIT_CODES.success);
    expect(deleted.streams['customers']).toMatchObject({ read: 968, removed: 242, sent: 242, committed: 242 });
    expect(portalContacts()).toEqual(byEmail([...(await modelContacts()), OTHER_TOOL]));
    // Deletes: a batch read by email to find the ids, then a batch archive, per 100.
    expect(batchCalls()).toEqual({ read: 3, archive: 3 });
    expect(hubspot.store.list('contacts', { archived: true })).toHaveLength(242);

    hubspot.calls.reset();
    const unchanged = await run();
    expect(unchanged.exitCode).toBe(EXIT_CODES.success);
    expect(unchanged.streams['customers']).toMatchObject({ read: 968, unchanged: 968, sent: 0, removed: 0 });
    expect(batchCalls()).toEqual({});
    expect(portalContacts()).toEqual(byEmail([...(await modelContacts()), OTHER_TOOL]));
  });

  it('HubSpot going down mid-run fails the sync at its last commit; the rerun sends the rest', async () => {
    await seedModelTable(source, 1000);
    // Two batch upserts (two commits of 100 records) get through, then every request answers 503.
    const proxy = await startFailingProxy(hubspot.url, { after: 2, counts: (_, path) => path.startsWith(OBJECTS) });
    try {
      const crashed = await run({}, { base_url: proxy.url }, { checkpoint_every: 100 });
      expect(crashed.status).toBe('failed');
      expect(crashed.exitCode).toBe(EXIT_CODES.failed);
      expect(crashed.error?.message).toMatch(/destination-hubspot.*503/s);
      expect(crashed.streams['customers']).toMatchObject({ committed: 200, removed: 0 });
    } finally {
      await proxy.close();
    }
    expect(hubspot.store.list('contacts')).toHaveLength(200);

    hubspot.calls.reset();
    const rerun = await run({}, {}, { checkpoint_every: 100 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({ read: 1000, unchanged: 200, added: 800, sent: 800 });
    expect(batchCalls()).toEqual({ upsert: 8 });
    expect(portalContacts()).toEqual(await modelContacts());
  });

  it('HubSpot going down while archiving mirror deletes keeps the archived ones; the rerun archives the rest', async () => {
    await seedModelTable(source, 1000);
    hubspot.store.seed('contacts', [{ properties: OTHER_TOOL as Record<string, string> }]);
    expect((await run({}, {}, { checkpoint_every: 100 })).exitCode).toBe(EXIT_CODES.success);
    await source.sql(`DELETE FROM customers WHERE id % 4 = 0`); // 250 rows
    // The first batch archive (100 deletes, one commit) gets through, then every request answers 503.
    const proxy = await startFailingProxy(hubspot.url, {
      after: 1,
      counts: (_, path) => path === `${OBJECTS}/archive`,
    });
    try {
      const crashed = await run({}, { base_url: proxy.url }, { checkpoint_every: 100 });
      expect(crashed.status).toBe('failed');
      expect(crashed.error?.message).toMatch(/destination-hubspot.*503/s);
      expect(crashed.streams['customers']).toMatchObject({ unchanged: 750, committed: 100 });
    } finally {
      await proxy.close();
    }
    expect(hubspot.store.list('contacts', { archived: true })).toHaveLength(100);

    hubspot.calls.reset();
    const rerun = await run({}, {}, { checkpoint_every: 100 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({ unchanged: 750, removed: 150, sent: 150 });
    expect(batchCalls()).toEqual({ read: 2, archive: 2 });
    expect(portalContacts()).toEqual(byEmail([...(await modelContacts()), OTHER_TOOL]));
  });

  it('values HubSpot refuses reject their records with its message while the rest land', async () => {
    await seedModelTable(source, 250);
    await source.sql(`UPDATE customers SET email = 'not-an-email-' || id WHERE id IN (17, 230)`);

    const first = await run({ behaviour: 'upsert' });
    expect(first.exitCode).toBe(EXIT_CODES.rejected);
    expect(first.streams['customers']).toMatchObject({ read: 250, sent: 250, committed: 248, rejected: 2 });
    expect(first.rejections).toEqual([
      expect.objectContaining({ key: { email: 'not-an-email-17' }, reason: expect.stringMatching(/email/i) }),
      expect.objectContaining({ key: { email: 'not-an-email-230' }, reason: expect.stringMatching(/email/i) }),
    ]);
    expect(portalContacts()).toEqual((await modelContacts()).filter((c) => c.email?.includes('@')));
  });
});
