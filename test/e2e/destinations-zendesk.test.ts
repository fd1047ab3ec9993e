import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startZendeskFake, type ZendeskFake, type ZRecord } from '../fakes/zendesk/index.js';
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
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// Postgres model → destination-zendesk (users; tickets for routing) → the Zendesk fake, through the runner.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let zendesk: ZendeskFake;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_zd_src');
  zendesk = await startZendeskFake();
  zendesk.store.addField('users', { key: 'plan', type: 'text', title: 'Plan' });
});
afterEach(async () => {
  await Promise.all([source.drop(), ws.cleanup(), zendesk.close()]);
});

/** Model columns → user fields; users are matched by external id (the model's id). */
const MAPPING = {
  external_id: { from: 'id', type: 'string' },
  email: 'email',
  name: { template: '{{ first_name }} {{ last_name }}' },
  'user_fields.plan': 'plan',
};

const credentials = () => ({ auth_type: 'api_token', email: zendesk.email, api_token: zendesk.apiToken });

function connection(stream: object = {}, destination: object = {}, extra: object = {}) {
  return {
    name: 'customers-to-zendesk',
    source: modelSource(source),
    destination: {
      connector: 'destination-zendesk',
      config: { base_url: zendesk.url, credentials: credentials(), max_retries: 0, ...destination },
    },
    streams: [
      {
        name: 'customers',
        destination: 'users',
        behaviour: 'mirror',
        mapping: MAPPING,
        matching_keys: ['external_id'],
        ...stream,
      },
    ],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (stream?: object, destination?: object, extra?: object) =>
  sync(await ws.connection('c', connection(stream, destination, extra)));

interface User {
  external_id: string;
  email: string | null;
  name: string;
  plan: string | null;
}

const byId = (users: User[]) => users.sort((a, b) => a.external_id.localeCompare(b.external_id));

/** The model as users: what the account should hold. */
async function modelUsers(): Promise<User[]> {
  return byId(
    (await tableRows(source, 'customers')).map((row: ModelRow) => ({
      external_id: String(row.id),
      email: row.email,
      name: `${row.first_name ?? ''} ${row.last_name ?? ''}`,
      plan: row.plan,
    })),
  );
}

/** Users in the fake account that carry an external id (the admin and other tools' users aside). */
function accountUsers(
  filter: (user: ZRecord) => boolean = (user) =>
    typeof user.external_id === 'string' && !user.external_id.startsWith('other'),
): User[] {
  return byId(
    zendesk.store
      .list('users')
      .filter(filter)
      .map((user) => ({
        external_id: user.external_id as string,
        email: (user.email as string | undefined) ?? null,
        name: user.name as string,
        plan: ((user.user_fields as Record<string, string> | undefined)?.plan as string | undefined) ?? null,
      })),
  );
}

const OTHER = { name: 'Kept Elsewhere', email: 'kept@other-tool.example', external_id: 'other-1', role: 'end-user' };

// Four or five runner syncs each: generous limits for a loaded 2-core machine, not sleeps.
describe('destination-zendesk end to end', { timeout: 300_000 }, () => {
  it('users equal the model after the first run, changes and mirror deletes, in ceil(n/100) jobs; others stay; an unchanged rerun writes nothing', async () => {
    await seedModelTable(source, 1200);
    zendesk.store.seed('users', [OTHER]);

    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 1200, added: 1200, sent: 1200, committed: 1200 });
    expect(accountUsers()).toEqual(await modelUsers());
    expect(zendesk.calls.count('POST', '/api/v2/users/create_or_update_many')).toBe(12);
    expect(zendesk.calls.writes).toBe(12);
    expect(zendesk.calls.rateLimited).toBe(0);

    await source.sql(`UPDATE customers SET plan = 'enterprise', first_name = 'Changed' WHERE id % 40 = 0`); // 30 rows
    await insertModelRows(source, 1201, 1210);
    zendesk.calls.reset();
    const updated = await run();
    expect(updated.exitCode).toBe(EXIT_CODES.success);
    expect(updated.streams['customers']).toMatchObject({ added: 10, changed: 30, unchanged: 1170, sent: 40 });
    expect(accountUsers()).toEqual(await modelUsers());
    expect(zendesk.calls.writes).toBe(1);

    await source.sql(`DELETE FROM customers WHERE id % 5 = 0`); // 242 rows
    zendesk.calls.reset();
    const deleted = await run();
    expect(deleted.exitCode).toBe(EXIT_CODES.success);
    expect(deleted.streams['customers']).toMatchObject({ read: 968, removed: 242, sent: 242, committed: 242 });
    expect(accountUsers()).toEqual(await modelUsers());
    // Ids by external id (show_many, 100 a call), then destroy_many per 100.
    expect(zendesk.calls.count('GET', '/api/v2/users/show_many')).toBe(3);
    expect(zendesk.calls.count('DELETE', '/api/v2/users/destroy_many')).toBe(3);
    expect(zendesk.store.byExternalId('users', 'other-1')).toMatchObject({ name: OTHER.name });

    zendesk.calls.reset();
    const unchanged = await run();
    expect(unchanged.exitCode).toBe(EXIT_CODES.success);
    expect(unchanged.streams['customers']).toMatchObject({ read: 968, unchanged: 968, sent: 0, removed: 0 });
    expect(zendesk.calls.writes).toBe(0);
    expect(accountUsers()).toEqual(await modelUsers());

    // The API token is in the connection file only: never in state, run history or summaries.
    const stateDir = ws.path('state');
    const files = (await readdir(stateDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files)
      expect(await readFile(join(file.parentPath, file.name), 'utf8')).not.toContain(zendesk.apiToken);
    for (const summary of [first, updated, deleted, unchanged])
      expect(JSON.stringify(summary)).not.toContain(zendesk.apiToken);
  });

  it('Zendesk going down at a chosen API call fails the sync at its last commit; the rerun converges', async () => {
    await seedModelTable(source, 1200);
    // 9 job submissions and polls get through, then every request answers 503. Batches are
    // written concurrently, so which 500-record batches completed by then depends on how
    // their calls interleave: the sync commits whole batches only, in order, and stops.
    const proxy = await startFailingProxy(zendesk.url, {
      after: 9,
      counts: (_, path) => path.includes('create_or_update_many') || path.includes('job_statuses'),
    });
    let committed: number;
    try {
      const crashed = await run({}, { base_url: proxy.url }, { checkpoint_every: 500 });
      expect(crashed.status).toBe('failed');
      expect(crashed.exitCode).toBe(EXIT_CODES.failed);
      expect(crashed.error?.message).toMatch(/destination-zendesk.*503/s);
      committed = crashed.streams['customers']!.committed;
      expect([0, 500]).toContain(committed);
    } finally {
      await proxy.close();
    }
    expect(accountUsers().length).toBeGreaterThanOrEqual(committed);

    zendesk.calls.reset();
    const rerun = await run({}, {}, { checkpoint_every: 500 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    const rest = 1200 - committed;
    expect(rerun.streams['customers']).toMatchObject({ read: 1200, unchanged: committed, added: rest, sent: rest });
    // Batches of 500 (a checkpoint every 500 records), 100 users a submission.
    const submissions = Math.floor(rest / 500) * 5 + Math.ceil((rest % 500) / 100);
    expect(zendesk.calls.count('POST', '/api/v2/users/create_or_update_many')).toBe(submissions);
    expect(accountUsers()).toEqual(await modelUsers());
  });

  it("values Zendesk refuses reject their records with Zendesk's reason while the rest land", async () => {
    await seedModelTable(source, 250);
    await source.sql(`UPDATE customers SET email = 'not-an-email-' || id WHERE id IN (17, 230)`);
    const first = await run({ behaviour: 'upsert' });
    expect(first.exitCode).toBe(EXIT_CODES.rejected);
    expect(first.streams['customers']).toMatchObject({ read: 250, sent: 250, committed: 248, rejected: 2 });
    expect(first.rejections).toEqual([
      expect.objectContaining({
        key: { external_id: '17' },
        reason: 'RecordInvalid: Email: not-an-email-17 is not properly formatted',
      }),
      expect.objectContaining({
        key: { external_id: '230' },
        reason: 'RecordInvalid: Email: not-an-email-230 is not properly formatted',
      }),
    ]);
    expect(accountUsers()).toEqual((await modelUsers()).filter((user) => user.email?.includes('@')));
  });

  it('support routing: tickets updated with an assignee by e-mail, a group, a priority, tags and an internal comment from a template', async () => {
    await source.sql(
      `CREATE TABLE churn_risk (ticket_ref text PRIMARY KEY, owner_email text, health integer, plan text)`,
    );
    await source.sql(
      `INSERT INTO churn_risk VALUES ('ord-1', 'ada@support.example', 31, 'team'), ('ord-2', 'ada@support.example', 12, 'pro')`,
    );
    const group = zendesk.store.addGroup('Retention');
    const [ada] = zendesk.store.seed('users', [{ name: 'Ada', email: 'ada@support.example', role: 'agent' }]);
    const [one, two, untouched] = zendesk.store.seed('tickets', [
      { external_id: 'ord-1', subject: 'Cancel?', status: 'open', priority: 'low', comments: [] },
      { external_id: 'ord-2', subject: 'Refund', status: 'new', priority: 'normal', comments: [] },
      { external_id: 'ord-3', subject: 'Other', status: 'open', priority: 'low', comments: [] },
    ]);
    const routing = {
      name: 'routing',
      source: {
        connector: 'source-postgres',
        config: {
          ...source.config,
          tables: [],
          models: [{ name: 'churn_risk', sql: 'select * from churn_risk', primary_key: ['ticket_ref'] }],
        },
      },
      destination: {
        connector: 'destination-zendesk',
        config: { base_url: zendesk.url, credentials: credentials(), max_retries: 0 },
      },
      streams: [
        {
          name: 'churn_risk',
          destination: 'tickets',
          behaviour: 'update',
          matching_keys: ['external_id'],
          mapping: {
            external_id: 'ticket_ref',
            assignee_email: 'owner_email',
            group_id: { value: group },
            priority: { value: 'urgent' },
            tags: { value: ['churn-risk'] },
            comment_body: { template: 'Churn risk: health {{ health }} on the {{ plan }} plan. Routed by Backflow.' },
          },
        },
      ],
      state: ws.path('routing-state'),
    };
    const summary = await sync(await ws.connection('routing', routing));
    expect(summary.error).toBeUndefined();
    expect(summary.exitCode).toBe(EXIT_CODES.success);
    expect(zendesk.store.records.tickets.get(one!.id)).toMatchObject({
      assignee_id: ada!.id,
      group_id: group,
      priority: 'urgent',
      tags: ['churn-risk'],
      comments: [{ body: 'Churn risk: health 31 on the team plan. Routed by Backflow.', public: false }],
    });
    expect(zendesk.store.records.tickets.get(two!.id)).toMatchObject({
      assignee_id: ada!.id,
      comments: [{ body: 'Churn risk: health 12 on the pro plan. Routed by Backflow.', public: false }],
    });
    expect(zendesk.store.records.tickets.get(untouched!.id)).toMatchObject({ priority: 'low', comments: [] });
    expect(zendesk.calls.count('GET', '/api/v2/users/search')).toBe(1);

    zendesk.calls.reset();
    const again = await sync(await ws.connection('routing', routing));
    expect(again.streams['churn_risk']).toMatchObject({ unchanged: 2, sent: 0 });
    expect(zendesk.calls.writes).toBe(0);
  });
});

const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);

describe.runIf(dockerUp || requireDocker)('destination-zendesk under the Docker launcher', { timeout: 300_000 }, () => {
  it('syncs the model into the fake from its image', async () => {
    const image = 'backflow/destination-zendesk:0.1.0';
    const present = (await docker.listImages()).flatMap((info) => info.RepoTags ?? []);
    if (!present.includes(image))
      await execa(process.execPath, ['scripts/build-images.mjs', 'destination-zendesk'], { cwd: REPO_ROOT });
    await seedModelTable(source, 300);
    // The destination from its image; the source stays a local process (its image is not ours to build).
    const { connector: _connector, ...destination } = connection().destination;
    const summary = await sync(
      await ws.connection(
        'docker',
        connection({}, {}, { destination: { ...destination, image, network: 'host', memory_mb: 256 } }),
      ),
    );
    expect(summary.error).toBeUndefined();
    expect(summary.streams['customers']).toMatchObject({ added: 300, committed: 300 });
    expect(accountUsers()).toEqual(await modelUsers());
  });
});
