import Docker from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startSalesforceFake, type SalesforceFake, type StoredRecord } from '../fakes/salesforce/index.js';
import {
  createTestDatabase,
  insertModelRows,
  modelSource,
  seedModelTable,
  tableRows,
  type ModelRow,
  type TestDatabase,
} from '../support/postgres.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// Postgres model → destination-salesforce (Contact) → the Salesforce fake, through the runner.

// The Docker launcher runs when an engine answers (CI sets BACKFLOW_REQUIRE_DOCKER=1).
const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);
const IMAGES = ['backflow/source-postgres:0.1.0', 'backflow/destination-salesforce:0.1.0'];

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let salesforce: SalesforceFake;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_sf_src');
  salesforce = await startSalesforceFake();
});
afterEach(async () => {
  await Promise.all([source.drop(), ws.cleanup(), salesforce.close()]);
});

/** Contact fields ← model columns; contacts are matched by the external id External_Id__c (the email). */
const MAPPING = {
  External_Id__c: 'email',
  Email: 'email',
  FirstName: 'first_name',
  LastName: 'last_name',
  Plan__c: 'plan',
  Health_Score__c: 'score',
  Signed_Up__c: 'signed_up',
};
type Contact = Record<keyof typeof MAPPING, string | number | null>;

function connection(stream: object = {}, destination: object = {}, extra: object = {}) {
  return {
    name: 'customers-to-salesforce',
    source: modelSource(source),
    destination: {
      connector: 'destination-salesforce',
      config: {
        auth: { auth_type: 'client_credentials', client_id: salesforce.clientId, client_secret: '${SF_SECRET}' },
        login_url: salesforce.loginUrl,
        max_retries: 0,
        ...destination,
      },
    },
    streams: [
      {
        name: 'customers',
        destination: 'Contact',
        behaviour: 'mirror',
        mapping: MAPPING,
        matching_keys: ['External_Id__c'],
        ...stream,
      },
    ],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (stream?: object, destination?: object, extra?: object) => {
  process.env['SF_SECRET'] = salesforce.clientSecret;
  return sync(await ws.connection('c', connection(stream, destination, extra)));
};

/** The model as contacts: what the org should hold, ordered by external id. */
async function modelContacts(): Promise<Contact[]> {
  return sorted((await tableRows(source, 'customers')).map(asContact));
}

function asContact(row: ModelRow): Contact {
  return {
    External_Id__c: row.email,
    Email: row.email,
    FirstName: row.first_name,
    LastName: row.last_name,
    Plan__c: row.plan,
    Health_Score__c: row.score === null ? null : Number(row.score),
    Signed_Up__c: row.signed_up,
  };
}

/** The org's contacts (mapped fields only), ordered by external id. */
function orgContacts(org = salesforce): Contact[] {
  return sorted(org.store.list('Contact').map(projection));
}

function projection(record: StoredRecord): Contact {
  const fields = Object.keys(MAPPING) as (keyof Contact)[];
  return Object.fromEntries(fields.map((f) => [f, record.fields[f] ?? null])) as Contact;
}

const sorted = (contacts: Contact[]) =>
  contacts.sort((a, b) => String(a.External_Id__c ?? a.LastName).localeCompare(String(b.External_Id__c ?? b.LastName)));

/** Write calls (Collections and Bulk) and SOQL lookups since the last reset, by route. */
function writeCalls(): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const call of salesforce.calls.records)
    if (/^\/(composite|jobs|query)/.test(call.path)) {
      const route = call.route.replace(/\/jobs\/ingest\/\w+/, '/jobs/ingest/{id}');
      calls[route] = (calls[route] ?? 0) + 1;
    }
  return calls;
}

const OTHER_TOOL = { LastName: 'Kept', FirstName: 'Other', Email: 'kept@other-tool.example' };
const OTHER_TOOL_CONTACT: Contact = {
  External_Id__c: null,
  Email: OTHER_TOOL.Email,
  FirstName: 'Other',
  LastName: 'Kept',
  Plan__c: null,
  Health_Score__c: null,
  Signed_Up__c: null,
};

describe('destination-salesforce end to end', () => {
  it('contacts equal the model after the first run, changes and mirror deletes, in ceil(n/200) calls; others stay; an unchanged rerun writes nothing', async () => {
    await seedModelTable(source, 1200);
    salesforce.store.seed('Contact', [OTHER_TOOL]);

    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 1200, added: 1200, sent: 1200, committed: 1200 });
    expect(orgContacts()).toEqual(sorted([...(await modelContacts()), OTHER_TOOL_CONTACT]));
    expect(writeCalls()).toEqual({ 'PATCH /composite/sobjects/Contact/External_Id__c': 6 });

    await source.sql(`UPDATE customers SET plan = 'enterprise', score = score + 1000 WHERE id % 40 = 0`); // 30 rows
    await insertModelRows(source, 1201, 1210);
    salesforce.calls.reset();
    const updated = await run();
    expect(updated.exitCode).toBe(EXIT_CODES.success);
    expect(updated.streams['customers']).toMatchObject({ added: 10, changed: 30, unchanged: 1170, sent: 40 });
    expect(orgContacts()).toEqual(sorted([...(await modelContacts()), OTHER_TOOL_CONTACT]));
    expect(writeCalls()).toEqual({ 'PATCH /composite/sobjects/Contact/External_Id__c': 1 });

    await source.sql(`DELETE FROM customers WHERE id % 5 = 0`); // 242 rows
    salesforce.calls.reset();
    const deleted = await run();
    expect(deleted.exitCode).toBe(EXIT_CODES.success);
    expect(deleted.streams['customers']).toMatchObject({ read: 968, removed: 242, sent: 242, committed: 242 });
    expect(orgContacts()).toEqual(sorted([...(await modelContacts()), OTHER_TOOL_CONTACT]));
    // Deletes: a SOQL lookup of the ids by external id, then a collection delete, per 200.
    expect(writeCalls()).toEqual({ 'GET /query': 2, 'DELETE /composite/sobjects': 2 });

    salesforce.calls.reset();
    const unchanged = await run();
    expect(unchanged.exitCode).toBe(EXIT_CODES.success);
    expect(unchanged.streams['customers']).toMatchObject({ read: 968, unchanged: 968, sent: 0, removed: 0 });
    expect(writeCalls()).toEqual({});
    expect(orgContacts()).toEqual(sorted([...(await modelContacts()), OTHER_TOOL_CONTACT]));
  }, 300_000);

  it('Salesforce going down at a chosen call fails the sync at its last commit; the rerun sends the rest', async () => {
    await seedModelTable(source, 1000);
    // Two collection upserts (two commits of 200 records) get through, then every request answers 503.
    salesforce.goDownAfter({ after: 2, path: '/composite/sobjects' });
    const crashed = await run({}, {}, { checkpoint_every: 200 });
    expect(crashed.status).toBe('failed');
    expect(crashed.exitCode).toBe(EXIT_CODES.failed);
    expect(crashed.error?.message).toMatch(/destination-salesforce.*SERVER_UNAVAILABLE/s);
    expect(crashed.streams['customers']).toMatchObject({ committed: 400 });
    expect(salesforce.store.list('Contact')).toHaveLength(400);

    salesforce.recover();
    salesforce.calls.reset();
    const rerun = await run({}, {}, { checkpoint_every: 200 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({ read: 1000, unchanged: 400, added: 600, sent: 600 });
    expect(writeCalls()).toEqual({ 'PATCH /composite/sobjects/Contact/External_Id__c': 3 });
    expect(orgContacts()).toEqual(await modelContacts());
  }, 300_000);

  it('Salesforce going down in the middle of a Bulk 2.0 job fails the sync; the rerun converges without duplicates', async () => {
    await seedModelTable(source, 3000);
    // The job is created and its CSV uploaded, then the org stops answering (the close fails).
    salesforce.goDownAfter({ after: 2, path: '/jobs/ingest' });
    const crashed = await run({ behaviour: 'upsert' });
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.message).toMatch(/destination-salesforce.*SERVER_UNAVAILABLE/s);
    expect(crashed.streams['customers']).toMatchObject({ committed: 0 });
    expect([...salesforce.bulk.jobs.values()].map((job) => job.state)).toEqual(['Open']);

    salesforce.recover();
    salesforce.calls.reset();
    const rerun = await run({ behaviour: 'upsert' });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({ read: 3000, added: 3000, committed: 3000 });
    expect(salesforce.calls.count({ method: 'POST', path: '/jobs/ingest' })).toBe(1);
    expect(orgContacts()).toEqual(await modelContacts());
  }, 300_000);

  it('values Salesforce refuses reject their records with its reason while the rest land', async () => {
    await seedModelTable(source, 250);
    await source.sql(`UPDATE customers SET plan = 'gold' WHERE id = 17`);
    await source.sql(`UPDATE customers SET email = 'not-an-email-230' WHERE id = 230`);

    const first = await run({
      behaviour: 'upsert',
      mapping: { ...MAPPING, External_Id__c: 'id' },
      matching_keys: ['External_Id__c'],
    });
    expect(first.exitCode).toBe(EXIT_CODES.rejected);
    expect(first.streams['customers']).toMatchObject({ read: 250, sent: 250, committed: 248, rejected: 2 });
    expect(first.rejections).toEqual([
      expect.objectContaining({
        key: { External_Id__c: 17 },
        reason: expect.stringMatching(/Plan__c: "gold" is not a value of the restricted picklist/),
        field: 'Plan__c',
      }),
      expect.objectContaining({
        key: { External_Id__c: 230 },
        reason: 'INVALID_EMAIL_ADDRESS: Email: invalid email address: not-an-email-230 (fields: Email)',
        field: 'Email',
      }),
    ]);
    expect(salesforce.store.list('Contact')).toHaveLength(248);
  }, 300_000);

  it('10,000 records: Collections at the minimum number of calls, Bulk 2.0 in one job', async () => {
    await seedModelTable(source, 10_000);
    const started = Date.now();
    const viaCollections = await run({ behaviour: 'upsert' }, { bulk_threshold: 1_000_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(viaCollections.exitCode).toBe(EXIT_CODES.success);
    const collectionCalls = salesforce.calls.count({ path: '/composite/*' });
    expect(collectionCalls).toBe(50);
    const rate = salesforce.calls.total / seconds;
    console.log(
      `collections: ${collectionCalls} write calls for 10000 records; minimum ceil(10000/200) = 50; ratio ${(collectionCalls / 50).toFixed(2)}; ` +
        `${salesforce.calls.total} API calls in ${seconds.toFixed(1)} s = ${rate.toFixed(1)} requests/s; daily allowance used ${salesforce.usage.used}/15000`,
    );

    const bulkOrg = await startSalesforceFake();
    try {
      const previous = salesforce;
      salesforce = bulkOrg;
      const viaBulk = await run({ behaviour: 'upsert' }, {}, { state: ws.path('state-bulk') });
      salesforce = previous;
      expect(viaBulk.exitCode).toBe(EXIT_CODES.success);
      const bulkCalls = bulkOrg.calls.count({ path: '/jobs/ingest*' });
      // create, upload, close, two polls (the fake finishes a job on its second poll), three result reads.
      expect(bulkCalls).toBe(8);
      expect(bulkOrg.store.list('Contact')).toHaveLength(10_000);
      console.log(
        `bulk 2.0: ${bulkCalls} calls for 10000 records in one job; minimum 7 (create, upload, close, one poll, three results); ratio ${(bulkCalls / 7).toFixed(2)}`,
      );
    } finally {
      await bulkOrg.close();
    }
  }, 300_000);
});

describe.runIf(dockerUp || requireDocker)('destination-salesforce under the Docker launcher', () => {
  /** One sync into `org` with the given launcher, each launcher with its own state. */
  async function runOn(org: SalesforceFake, executor: 'process' | 'docker') {
    const own = salesforce;
    salesforce = org;
    try {
      return await run(
        {},
        {},
        { source: { ...modelSource(source), network: 'host' }, executor, state: ws.path(`state-${executor}`) },
      );
    } finally {
      salesforce = own;
    }
  }

  it('gives the same org contents, counts and rejections as the process launcher', async () => {
    const present = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
    if (!IMAGES.every((image) => present.includes(image))) {
      const names = IMAGES.map((image) => image.slice('backflow/'.length, image.indexOf(':')));
      await execa(process.execPath, ['scripts/build-images.mjs', ...names], { cwd: REPO_ROOT });
    }
    await seedModelTable(source, 500);
    const processOrg = await startSalesforceFake();
    try {
      for (const org of [salesforce, processOrg]) org.store.seed('Contact', [OTHER_TOOL]);

      const viaDocker = await runOn(salesforce, 'docker');
      const viaProcess = await runOn(processOrg, 'process');
      expect(viaDocker.error).toBeUndefined();
      expect(viaDocker.executor).toBe('docker');
      expect(viaDocker.streams).toEqual(viaProcess.streams);
      expect(orgContacts()).toEqual(sorted([...(await modelContacts()), OTHER_TOOL_CONTACT]));
      expect(orgContacts(processOrg)).toEqual(orgContacts());

      await source.sql(`DELETE FROM customers WHERE id % 5 = 0`); // 100 rows
      await source.sql(`UPDATE customers SET plan = 'gold' WHERE id = 7`);
      const changedViaDocker = await runOn(salesforce, 'docker');
      const changedViaProcess = await runOn(processOrg, 'process');
      expect(changedViaDocker.exitCode).toBe(EXIT_CODES.rejected);
      expect(changedViaDocker.streams).toEqual(changedViaProcess.streams);
      expect(changedViaDocker.streams['customers']).toMatchObject({ removed: 100, rejected: 1 });
      expect(changedViaDocker.rejections).toEqual([
        expect.objectContaining({
          key: { External_Id__c: 'user7@example.com' },
          field: 'Plan__c',
          reason: expect.stringMatching(/"gold" is not a value of the restricted picklist/),
        }),
      ]);
      expect(orgContacts(processOrg)).toEqual(orgContacts());
      expect(orgContacts()).toHaveLength(401);
    } finally {
      await processOrg.close();
    }
  }, 300_000);
});
