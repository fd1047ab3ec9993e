import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, loadConnection, sync, type SyncSummary } from '@backflow/runner';
import type { SalesforceCall } from '../fakes/salesforce/index.js';
import { validateSlackCall } from '../fakes/slack/index.js';
import {
  AGENTS,
  filesRig,
  hubspotRig,
  hubspotToSalesforceRig,
  postgresRig,
  query,
  salesforceRig,
  SEGMENT_SHEET,
  sheetsRig,
  SLACK_CHANNEL,
  slackRig,
  workspaceEnv,
  zendeskRig,
  type Rig,
  type Workspace,
} from '../../examples/harness/rigs.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';

// Each connection file of examples/ run by the runner against its fake (or the local
// Postgres, or files), from a fresh copy of the sample warehouse: what landed equals the
// model, and an unchanged rerun sends nothing.

const CREATE_WAREHOUSE = join(REPO_ROOT, 'examples', 'sample-warehouse', 'create.mjs');
const example = (file: string) => join(REPO_ROOT, 'examples', file);

let tmp: Awaited<ReturnType<typeof tempWorkspace>>;
let ws: Workspace;

beforeAll(async () => {
  tmp = await tempWorkspace('backflow-examples-');
  ws = { warehouse: tmp.path('warehouse.duckdb'), output: tmp.path('output'), state: tmp.path('state') };
  createWarehouse(ws.warehouse);
});
afterAll(() => tmp.cleanup());

function createWarehouse(path: string, ...args: string[]): void {
  execFileSync(process.execPath, [CREATE_WAREHOUSE, '--path', path, ...args], { stdio: 'ignore' });
}

/** Runs an example's connection file with the runner, as `npm run examples` does. */
async function run(file: string, rig: Pick<Rig<unknown>, 'env'>, at: Workspace = ws): Promise<SyncSummary> {
  const connection = await loadConnection(example(file), { ...workspaceEnv(at), ...rig.env });
  const summary = await sync(connection);
  expect(summary.error).toBeUndefined();
  expect(summary.exitCode).toBe(EXIT_CODES.success);
  return summary;
}

/** Runs it again on unchanged data: every row unchanged, nothing sent. */
async function rerunSendsNothing(file: string, rig: Pick<Rig<unknown>, 'env'>, at: Workspace = ws): Promise<void> {
  const summary = await run(file, rig, at);
  for (const counts of Object.values(summary.streams))
    expect(counts).toMatchObject({ added: 0, changed: 0, removed: 0, sent: 0, unchanged: counts.read });
}

const num = (value: unknown) => (value === null ? null : Number(value));
const pick = (fields: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(names.map((name) => [name, fields[name] ?? null]));
const byEmail = <Row extends { email?: unknown }>(rows: Row[]) =>
  [...rows].sort((a, b) => (String(a.email) < String(b.email) ? -1 : 1));

describe('examples/ against the fakes', () => {
  it('customers-to-hubspot: every customer is a contact, matched by e-mail', async () => {
    const rig = await hubspotRig();
    try {
      const first = await run('customers-to-hubspot.yaml', rig);
      expect(first.streams['main.crm_contacts']).toMatchObject({ read: 1500, added: 1500, committed: 1500 });
      expect(rig.service.calls.filter({ path: '/crm/v3/objects/contacts/batch/upsert' })).toHaveLength(15);
      const model = await query(
        ws.warehouse,
        // HubSpot holds no null: a property sent empty reads back as "".
        `SELECT email, first_name, last_name, coalesce(company, '') AS company, lifecycle_stage FROM crm_contacts`,
      );
      const contacts = rig.service.store.list('contacts').map(({ properties: p }) => ({
        email: p['email'],
        first_name: p['firstname'],
        last_name: p['lastname'],
        company: p['company'] ?? null,
        lifecycle_stage: p['lifecyclestage'],
      }));
      expect(byEmail(contacts)).toEqual(byEmail(model));

      rig.service.calls.reset();
      await rerunSendsNothing('customers-to-hubspot.yaml', rig);
      expect(rig.service.calls.filter({ path: '/crm/v3/objects/contacts/batch/*' })).toHaveLength(0);
    } finally {
      await rig.close();
    }
  });

  it('account-metrics-to-salesforce: each account carries its metrics in custom fields', async () => {
    const rig = await salesforceRig();
    try {
      const first = await run('account-metrics-to-salesforce.yaml', rig);
      expect(first.streams['main.account_metrics']).toMatchObject({ read: 120, added: 120, committed: 120 });
      const model = await query(
        ws.warehouse,
        `SELECT domain, name, employees, lifetime_value, health_score, product_usage, open_tickets, revenue_90d,
                epoch_ms(last_seen_at) AS last_seen_at
         FROM account_metrics ORDER BY domain`,
      );
      const accounts = rig.service.store
        .list('Account')
        .map(({ fields: f }) => f)
        .sort((a, b) => String(a['External_Id__c']).localeCompare(String(b['External_Id__c'])));
      expect(accounts.map((f) => f['External_Id__c'])).toEqual(model.map((m) => m['domain']));
      accounts.forEach((f, i) => {
        const m = model[i]!;
        expect(f).toMatchObject({
          Name: m['name'],
          Website: `https://${String(m['domain'])}`,
          NumberOfEmployees: num(m['employees']),
          Lifetime_Value__c: num(m['lifetime_value']),
          Health_Score__c: num(m['health_score']),
          Product_Usage__c: num(m['product_usage']),
          Open_Tickets__c: num(m['open_tickets']),
          Revenue_90d__c: num(m['revenue_90d']),
        });
        // Salesforce writes datetimes its own way: 2025-05-05T04:32:27.000+0000.
        expect(Date.parse(String(f['Last_Seen_At__c']).replace(/\+0000$/, 'Z'))).toBe(num(m['last_seen_at']));
      });

      await rerunSendsNothing('account-metrics-to-salesforce.yaml', rig);
    } finally {
      await rig.close();
    }
  });

  it('hubspot-to-salesforce: each HubSpot company and contact arrives once, keyed by its HubSpot id; a rerun after an edit sends only that one', async () => {
    const rig = await hubspotToSalesforceRig(ws.warehouse);
    const { hubspot, salesforce } = rig.service;
    const byHubSpotId = (object: string) =>
      salesforce.store
        .list(object)
        .map(({ fields }) => fields)
        .sort((a, b) => Number(a['HubSpot_Id__c']) - Number(b['HubSpot_Id__c']));
    try {
      const first = await run('hubspot-to-salesforce.yaml', rig);
      expect(first.streams).toMatchObject({
        companies: { read: 120, added: 120, committed: 120, rejected: 0 },
        contacts: { read: 1500, added: 1500, committed: 1500, rejected: 0 },
      });
      expect(
        byHubSpotId('Account').map((f) => pick(f, ['HubSpot_Id__c', 'Name', 'Website', 'NumberOfEmployees'])),
      ).toEqual(
        hubspot.store.list('companies').map(({ id, properties: p }) => ({
          HubSpot_Id__c: id,
          Name: p['name'],
          Website: p['domain'],
          NumberOfEmployees: num(p['numberofemployees'] ?? null),
        })),
      );
      expect(byHubSpotId('Contact').map((f) => pick(f, ['HubSpot_Id__c', 'Email', 'FirstName', 'LastName']))).toEqual(
        hubspot.store.list('contacts').map(({ id, properties: p }) => ({
          HubSpot_Id__c: id,
          Email: p['email'],
          FirstName: p['firstname'],
          LastName: p['lastname'],
        })),
      );

      // Someone renames one contact in HubSpot before the cut-over.
      const edited = hubspot.store.list('contacts')[42]!;
      const update = await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/update`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${hubspot.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ inputs: [{ id: edited.id, properties: { lastname: 'Renamed' } }] }),
      });
      expect(update.status).toBe(200);
      salesforce.calls.reset();
      const second = await run('hubspot-to-salesforce.yaml', rig);
      expect(second.streams).toMatchObject({
        companies: { read: 0, sent: 0 },
        contacts: { read: 1, changed: 1, sent: 1, committed: 1 },
      });
      const writes = (salesforce.calls.records as SalesforceCall[]).filter(
        (call) => call.method !== 'GET' && call.path !== '/query',
      );
      expect(writes.map((call) => [call.route, call.records])).toEqual([
        ['PATCH /composite/sobjects/Contact/HubSpot_Id__c', 1],
      ]);
      expect(
        byHubSpotId('Contact')
          .filter((f) => f['LastName'] === 'Renamed')
          .map((f) => f['HubSpot_Id__c']),
      ).toEqual([edited.id]);
      expect(salesforce.store.list('Contact')).toHaveLength(1500);

      await rerunSendsNothing('hubspot-to-salesforce.yaml', rig);
    } finally {
      await rig.close();
    }
  });

  it('segment-to-google-sheet: the sheet mirrors the segment, also after the warehouse changes', async () => {
    // A warehouse of its own: this test changes it.
    const own = { ...ws, warehouse: tmp.path('segment.duckdb'), state: tmp.path('segment-state') };
    createWarehouse(own.warehouse);
    const rig = await sheetsRig();
    const segment = async () =>
      (
        await query(
          own.warehouse,
          `SELECT customer_id, email, first_name || ' ' || last_name AS name, company, country, plan, lifetime_value
           FROM high_value_segment ORDER BY customer_id`,
        )
      ).map((r) =>
        Object.values({ ...r, customer_id: Number(r['customer_id']), lifetime_value: num(r['lifetime_value']) }),
      );
    const sheetRows = () =>
      rig.service
        .values(rig.spreadsheetId, SEGMENT_SHEET)
        .slice(1)
        .sort((a, b) => Number(a[0]) - Number(b[0]));
    try {
      const first = await run('segment-to-google-sheet.yaml', rig, own);
      expect(first.streams['main.high_value_segment']).toMatchObject({ read: 134, added: 134, committed: 134 });
      const values = rig.service.values(rig.spreadsheetId, SEGMENT_SHEET);
      expect(values[0]).toEqual(['customer_id', 'email', 'name', 'company', 'country', 'plan', 'lifetime_value']);
      expect(sheetRows()).toEqual(await segment());

      const writes = rig.service.writeCount();
      await rerunSendsNothing('segment-to-google-sheet.yaml', rig, own);
      expect(rig.service.writeCount()).toBe(writes);

      // Lifecycle moves, deletions and sign-ups: the segment gains and loses customers.
      const before = (await segment()).length;
      createWarehouse(own.warehouse, '--mutate');
      const changed = await run('segment-to-google-sheet.yaml', rig, own);
      const counts = changed.streams['main.high_value_segment']!;
      expect(counts.added + counts.removed).toBeGreaterThan(0);
      expect(counts.read).toBe(before + counts.added - counts.removed);
      expect(sheetRows()).toEqual(await segment());
      expect(rig.service.specViolations()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it('urgent-tickets-to-slack: one message per urgent ticket, owner mentioned; none on a rerun', async () => {
    const rig = await slackRig();
    try {
      const first = await run('urgent-tickets-to-slack.yaml', rig);
      expect(first.streams['urgent_escalations']).toMatchObject({ read: 16, added: 16, committed: 16 });
      const tickets = await query(
        ws.warehouse,
        `SELECT ticket_id, coalesce(assignee, 'lead@support.example') AS owner FROM urgent_tickets WHERE priority = 'urgent' ORDER BY ticket_id`,
      );
      const messages = rig.service.messages(SLACK_CHANNEL);
      expect(messages).toHaveLength(16);
      for (const { ticket_id, owner } of tickets) {
        const user = `U0AGENT0${AGENTS.indexOf(String(owner)) + 1}`;
        expect(
          messages.filter((m) => m.text.includes(`*#${String(ticket_id)}*`) && m.text.includes(`<@${user}>`)),
        ).toHaveLength(1);
      }

      const calls = rig.service.calls.length;
      await rerunSendsNothing('urgent-tickets-to-slack.yaml', rig);
      expect(rig.service.calls.slice(calls).filter((c) => c.method.startsWith('chat.'))).toEqual([]);
      expect(rig.service.calls.flatMap((call) => validateSlackCall(call))).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it('urgent-tickets-to-zendesk: each urgent ticket assigned by e-mail, grouped, prioritised, tagged, noted', async () => {
    const rig = await zendeskRig(ws.warehouse);
    const zendesk = rig.service;
    try {
      const untouched = zendesk.store.list('tickets').filter((t) => t['priority'] !== 'urgent');
      const first = await run('urgent-tickets-to-zendesk.yaml', rig);
      expect(first.streams['urgent_escalations']).toMatchObject({ read: 16, sent: 16, committed: 16, rejected: 0 });
      const tickets = await query(
        ws.warehouse,
        `SELECT ticket_id, coalesce(assignee, 'lead@support.example') AS owner, customer_name,
                coalesce(company, customer_email) AS company, coalesce(plan, 'no') AS plan, value_at_risk
         FROM urgent_tickets WHERE priority = 'urgent'`,
      );
      for (const t of tickets) {
        const agent = zendesk.store.userByEmail(String(t['owner']))!;
        expect(zendesk.store.byExternalId('tickets', String(t['ticket_id']))).toMatchObject({
          assignee_id: agent.id,
          group_id: rig.groupId,
          priority: 'urgent',
          tags: ['escalated', 'backflow'],
          comments: [
            {
              public: false,
              body: `Escalated by Backflow: ${String(t['customer_name'])} at ${String(t['company'])} (${String(t['plan'])} plan), USD ${String(t['value_at_risk'])} at risk.`,
            },
          ],
        });
      }
      // Tickets outside the query are left as they were.
      for (const ticket of untouched) expect(zendesk.store.records.tickets.get(ticket.id)).toEqual(ticket);

      zendesk.calls.reset();
      await rerunSendsNothing('urgent-tickets-to-zendesk.yaml', rig);
      expect(zendesk.calls.writes).toBe(0);
    } finally {
      await rig.close();
    }
  });

  it('csv-to-jsonl: the CSV exports become renamed, typed JSON documents', async () => {
    const first = await run('csv-to-jsonl.yaml', await filesRig(join(ws.output, 'documents')));
    expect(first.streams['legacy_contacts']).toMatchObject({ read: 24, added: 24, committed: 24, invalid: 0 });
    const documents = (await readFile(join(ws.output, 'documents', 'contacts.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .sort((a, b) => Number(a['id']) - Number(b['id']));
    expect(documents.map((d) => d['id'])).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    // CSV row 4: `4,frances.hamilton.4@legacy-crm.example,Frances,Hamilton,Silver,N,549.00,2024-02-06T04:00:44Z`
    expect(documents[3]).toEqual({
      id: 4,
      email: 'frances.hamilton.4@legacy-crm.example',
      name: 'Frances Hamilton',
      tier: 'Silver',
      active: false,
      lifetime_value: 549,
      created_at: '2024-02-06T04:00:44.000Z',
    });
    expect(documents.filter((d) => d['active'] === false)).toHaveLength(6);
  });

  it('csv-to-jsonl: an unchanged rerun sends nothing', async () => {
    await rerunSendsNothing('csv-to-jsonl.yaml', { env: {} });
  });

  it('nightly-backup: each table and the SQL model copied unchanged into JSON Lines files', async () => {
    const rig = await filesRig(join(ws.output, 'backup'));
    const first = await run('nightly-backup.yaml', rig);
    expect(first.streams).toMatchObject({
      'main.companies': { added: 120, committed: 120 },
      'main.customers': { added: 1500, committed: 1500 },
      'main.orders': { added: 4000, committed: 4000 },
      'main.support_tickets': { added: 600, committed: 600 },
    });
    const file = async (name: string) =>
      (await readFile(join(ws.output, 'backup', `${name}.jsonl`), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byId = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r['id'])).sort((a, b) => a - b);
    for (const table of ['companies', 'customers', 'orders', 'support_tickets'])
      expect(byId(await file(table))).toEqual(byId(await query(ws.warehouse, `SELECT id FROM ${table}`)));
    const orders = await file('orders');
    expect(orders.find((o) => o['id'] === '1')).toEqual(
      (
        await query(
          ws.warehouse,
          `SELECT id::VARCHAR AS id, customer_id::VARCHAR AS customer_id, amount::VARCHAR AS amount, currency, status,
                  strftime(ordered_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ordered_at
           FROM orders WHERE id = 1`,
        )
      )[0],
    );
    const revenue = (await file('monthly_revenue')).sort((a, b) =>
      `${String(a['month'])}${String(a['currency'])}`.localeCompare(`${String(b['month'])}${String(b['currency'])}`),
    );
    expect(revenue).toEqual(
      await query(
        ws.warehouse,
        `SELECT strftime(ordered_at AT TIME ZONE 'UTC', '%Y-%m') AS month, currency, count(*)::INTEGER AS orders,
                sum(amount)::VARCHAR AS revenue
         FROM orders WHERE status = 'paid' GROUP BY ALL ORDER BY month, currency`,
      ),
    );

    await rerunSendsNothing('nightly-backup.yaml', rig);
  });

  it("postgres-migration: the old database's tables copied, typed, into the new one", async () => {
    const rig = await postgresRig('postgres://postgres@127.0.0.1:5432/test');
    try {
      await run('setup/warehouse-to-postgres.yaml', rig);
      const first = await run('postgres-migration.yaml', rig);
      expect(first.streams).toMatchObject({
        'public.companies': { added: 120, committed: 120 },
        'public.customers': { added: 1500, committed: 1500 },
        'public.orders': { added: 4000, committed: 4000 },
        'public.support_tickets': { added: 600, committed: 600 },
      });
      const pg = (await import('pg')).default;
      const rows = async (url: string, relation: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return (await client.query(`SELECT row_to_json(t)::text AS row FROM ${relation} t ORDER BY id`)).rows;
        } finally {
          await client.end();
        }
      };
      for (const table of ['companies', 'customers', 'orders', 'support_tickets'])
        expect(await rows(rig.service.target, `crm.${table}`)).toEqual(
          await rows(rig.service.legacy, `public.${table}`),
        );

      await rerunSendsNothing('postgres-migration.yaml', rig);
    } finally {
      await rig.close();
    }
  });
});
