// The local stand-ins each example runs against: a fake of the vendor's API (test/fakes),
// seeded as the user's account would be, or PostgreSQL databases; plus the environment
// variables the example's connection file reads, and a short account of what landed.
// Shared by `npm run examples` (scripts/run-examples.mjs) and test/e2e/examples.test.ts.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { startHubSpotFake, type HubSpotFake } from '../../test/fakes/hubspot/index.js';
import { defaultObjects, type FieldDefinition, type ObjectDefinition } from '../../test/fakes/salesforce/schema.js';
import { startSalesforceFake, type SalesforceFake } from '../../test/fakes/salesforce/index.js';
import { startSheetsFake, type SheetsFake } from '../../test/fakes/google-sheets/index.js';
import { startSlackFake, type SlackFake } from '../../test/fakes/slack/index.js';
import { startZendeskFake, type ZendeskFake } from '../../test/fakes/zendesk/index.js';

/** Where an example reads and writes on this machine: set by the caller for every example. */
export interface Workspace {
  /** The sample warehouse (DuckDB file). */
  warehouse: string;
  /** Folder for file outputs. */
  output: string;
  /** The examples' state store: a folder of their own, so a fresh fake starts from nothing delivered. */
  state: string;
}

/** One example's stand-in, running. */
export interface Rig<Service> {
  /** The variables its connection file interpolates (`${VAR}`). */
  env: Record<string, string>;
  service: Service;
  /** What landed, for people: a few lines. */
  landed(): Promise<string[]>;
  close(): Promise<void>;
}

export const workspaceEnv = (ws: Workspace): Record<string, string> => ({
  BACKFLOW_WAREHOUSE: ws.warehouse,
  BACKFLOW_OUTPUT: ws.output,
  BACKFLOW_STATE: ws.state,
});

/** A HubSpot portal with its standard contact properties. */
export async function hubspotRig(): Promise<Rig<HubSpotFake>> {
  const hubspot = await startHubSpotFake();
  return {
    env: { HUBSPOT_ACCESS_TOKEN: hubspot.token, HUBSPOT_BASE_URL: hubspot.url },
    service: hubspot,
    async landed() {
      const contacts = hubspot.store.list('contacts');
      return [`${contacts.length} HubSpot contacts, e.g. ${JSON.stringify(pick(contacts[0]?.properties, CONTACT))}`];
    },
    close: () => hubspot.close(),
  };
}
const CONTACT = ['email', 'firstname', 'lastname', 'company', 'lifecyclestage'];

/** Custom Account fields an admin created for the warehouse's metrics (External_Id__c, Health_Score__c and Lifetime_Value__c are in the fake's default org). */
const METRIC_FIELDS = [
  { name: 'Product_Usage__c', type: 'double', precision: 8, scale: 0 },
  { name: 'Open_Tickets__c', type: 'double', precision: 6, scale: 0 },
  { name: 'Revenue_90d__c', type: 'currency', precision: 16, scale: 2 },
  { name: 'Last_Seen_At__c', type: 'datetime' },
];

/** The Salesforce org's objects, Account with the metric fields. */
export function metricsOrg(): ObjectDefinition[] {
  return defaultObjects().map((object) =>
    object.name === 'Account' ? { ...object, fields: [...object.fields, ...METRIC_FIELDS] } : object,
  );
}

/** A Salesforce org (connected app with the client credentials flow) whose Accounts have the metric fields. */
export async function salesforceRig(): Promise<Rig<SalesforceFake>> {
  const salesforce = await startSalesforceFake({ objects: metricsOrg() });
  return {
    env: {
      SALESFORCE_CLIENT_ID: salesforce.clientId,
      SALESFORCE_CLIENT_SECRET: salesforce.clientSecret,
      SALESFORCE_LOGIN_URL: salesforce.loginUrl,
    },
    service: salesforce,
    async landed() {
      const accounts = salesforce.store.list('Account');
      return [
        `${accounts.length} Salesforce Accounts, e.g. ${JSON.stringify(pick(accounts[0]?.fields, ACCOUNT_FIELDS))}`,
      ];
    },
    close: () => salesforce.close(),
  };
}
const ACCOUNT_FIELDS = ['External_Id__c', 'Name', 'Lifetime_Value__c', 'Health_Score__c', 'Product_Usage__c'];

/** The text field, flagged External ID and Unique, that an admin adds to hold a record's HubSpot id. */
const HUBSPOT_ID: FieldDefinition = {
  name: 'HubSpot_Id__c',
  type: 'string',
  length: 18,
  externalId: true,
  unique: true,
  idLookup: true,
};

/** The Salesforce org a HubSpot migration writes to: Account and Contact with `HubSpot_Id__c`. */
export function migrationOrg(): ObjectDefinition[] {
  return defaultObjects().map((object) =>
    object.name === 'Account' || object.name === 'Contact'
      ? { ...object, fields: [...object.fields, HUBSPOT_ID] }
      : object,
  );
}

/**
 * A HubSpot portal holding the warehouse's companies and customers (as contacts, with their
 * company's name), and a Salesforce org to migrate them to; `service.hubspotIds` maps each
 * company's domain and each contact's e-mail to the id HubSpot gave it.
 */
export async function hubspotToSalesforceRig(
  warehouse: string,
): Promise<Rig<{ hubspot: HubSpotFake; salesforce: SalesforceFake }>> {
  const [companies, customers] = await Promise.all([
    query(warehouse, `SELECT name, domain, employees FROM companies ORDER BY id`),
    query(
      warehouse,
      `SELECT c.email, c.first_name, c.last_name, co.name AS company, c.lifecycle_stage
       FROM customers c LEFT JOIN companies co ON co.id = c.company_id ORDER BY c.id`,
    ),
  ]);
  const hubspot = await startHubSpotFake();
  const salesforce = await startSalesforceFake({ objects: migrationOrg() }).catch(async (error: unknown) => {
    await hubspot.close();
    throw error;
  });
  hubspot.store.seed(
    'companies',
    companies.map((c) => ({
      properties: text({ name: c['name'], domain: c['domain'], numberofemployees: c['employees'] }),
    })),
  );
  hubspot.store.seed(
    'contacts',
    customers.map((c) => ({
      properties: text({
        email: c['email'],
        firstname: c['first_name'],
        lastname: c['last_name'],
        company: c['company'],
        lifecyclestage: c['lifecycle_stage'],
      }),
    })),
  );
  return {
    env: {
      HUBSPOT_ACCESS_TOKEN: hubspot.token,
      HUBSPOT_BASE_URL: hubspot.url,
      SALESFORCE_CLIENT_ID: salesforce.clientId,
      SALESFORCE_CLIENT_SECRET: salesforce.clientSecret,
      SALESFORCE_LOGIN_URL: salesforce.loginUrl,
    },
    service: { hubspot, salesforce },
    async landed() {
      const accounts = salesforce.store.list('Account');
      const contacts = salesforce.store.list('Contact');
      return [
        `${accounts.length} Salesforce Accounts, e.g. ${JSON.stringify(pick(accounts[0]?.fields, MIGRATED_ACCOUNT))}`,
        `${contacts.length} Salesforce Contacts, e.g. ${JSON.stringify(pick(contacts[0]?.fields, MIGRATED_CONTACT))}`,
      ];
    },
    close: async () => {
      await Promise.all([hubspot.close(), salesforce.close()]);
    },
  };
}
const MIGRATED_ACCOUNT = ['HubSpot_Id__c', 'Name', 'Website', 'NumberOfEmployees'];
const MIGRATED_CONTACT = ['HubSpot_Id__c', 'Email', 'FirstName', 'LastName'];

/** HubSpot properties as the API takes them: strings, a missing value left out. */
const text = (values: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([name, value]) => [name, String(value)]),
  );

export const SEGMENT_SHEET = 'High value customers';

/** A spreadsheet shared with a service account. */
export async function sheetsRig(): Promise<Rig<SheetsFake> & { spreadsheetId: string }> {
  const sheets = await startSheetsFake();
  const { spreadsheetId } = sheets.createSpreadsheet({ title: 'Marketing segments' });
  return {
    spreadsheetId,
    env: {
      GOOGLE_SPREADSHEET_ID: `https://docs.google.com/spreadsheets/d/${spreadsheetId}/edit`,
      GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(sheets.serviceAccount()),
      GOOGLE_SHEETS_API_ROOT: sheets.url,
      GOOGLE_TOKEN_URI: sheets.tokenUri,
    },
    service: sheets,
    async landed() {
      const values = sheets.values(spreadsheetId, SEGMENT_SHEET);
      return [
        `sheet "${SEGMENT_SHEET}": ${values.length} rows with the header ${JSON.stringify(values[0])}`,
        `first row ${JSON.stringify(values[1])}`,
      ];
    },
    close: () => sheets.close(),
  };
}

export const SLACK_CHANNEL = 'support-escalations';
/** The support team: the agents the sample tickets are assigned to, and their lead. */
export const AGENTS = ['maria', 'sam', 'jo', 'lee', 'lead'].map((name) => `${name}@support.example`);

/** A Slack workspace with the escalations channel (the app's bot is a member) and the support agents. */
export async function slackRig(): Promise<Rig<SlackFake>> {
  const token = `xoxb-${randomBytes(12).toString('hex')}`;
  const slack = await startSlackFake({
    token,
    channels: [{ id: 'C0ESCALATE1', name: SLACK_CHANNEL, is_member: true }],
    users: AGENTS.map((email, i) => ({ id: `U0AGENT0${i + 1}`, name: email.split('@')[0]!, email })),
  });
  return {
    env: { SLACK_BOT_TOKEN: token, SLACK_API_URL: slack.url },
    service: slack,
    async landed() {
      const messages = slack.messages(SLACK_CHANNEL);
      return [`${messages.length} messages in #${SLACK_CHANNEL}, e.g. ${JSON.stringify(messages[0]?.text)}`];
    },
    close: () => slack.close(),
  };
}

/**
 * A Zendesk account holding the warehouse's tickets (each with the warehouse's ticket id as
 * its external id, as the helpdesk export put them there), the support agents and an
 * escalations group.
 */
export async function zendeskRig(warehouse: string): Promise<Rig<ZendeskFake> & { groupId: number }> {
  const zendesk = await startZendeskFake();
  const groupId = zendesk.store.addGroup('Escalations');
  zendesk.store.seed(
    'users',
    AGENTS.map((email) => ({ name: email.split('@')[0], email, role: 'agent' })),
  );
  const tickets = await query(
    warehouse,
    `SELECT id, subject, status, priority FROM support_tickets WHERE status IN ('open', 'pending') ORDER BY id`,
  );
  zendesk.store.seed(
    'tickets',
    tickets.map((t) => ({ external_id: String(t.id), subject: t.subject, status: t.status, priority: t.priority })),
  );
  return {
    groupId,
    env: {
      ZENDESK_BASE_URL: zendesk.url,
      ZENDESK_EMAIL: zendesk.email,
      ZENDESK_API_TOKEN: zendesk.apiToken,
      ZENDESK_ESCALATIONS_GROUP_ID: String(groupId),
    },
    service: zendesk,
    async landed() {
      const routed = zendesk.store.list('tickets').filter((t) => t.group_id === groupId);
      const first = routed[0];
      return [
        `${routed.length} of ${tickets.length} open Zendesk tickets routed to Escalations, e.g. ` +
          JSON.stringify({
            ...pick(first, ['external_id', 'priority', 'assignee_id', 'tags']),
            comments: first?.comments,
          }),
      ];
    },
    close: () => zendesk.close(),
  };
}

/** Rows of a query on a DuckDB file (opened read-only), as JSON-friendly objects. */
export async function query(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The folder a file example writes, emptied first (the example starts from nothing
 * delivered); `landed` lists its files with their line counts and first line.
 */
export async function filesRig(folder: string): Promise<Rig<string>> {
  await rm(folder, { recursive: true, force: true });
  return {
    env: {},
    service: folder,
    async landed() {
      const names = (await readdir(folder).catch(() => [])).sort();
      const lines: string[] = [];
      for (const name of names) {
        const rows = (await readFile(join(folder, name), 'utf8')).split('\n').filter(Boolean);
        lines.push(`${join(folder, name)}: ${rows.length} lines, e.g. ${rows[0]}`);
      }
      return lines.length > 0 ? lines : [`nothing in ${folder}`];
    },
    close: async () => undefined,
  };
}

/** The server the Postgres example uses, as an administrator's URL (its database must exist). */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Two new databases on a PostgreSQL server, the old system and the new one, dropped by
 * `close`. Fails when the server is unreachable (`postgresReachable` asks first).
 */
export async function postgresRig(adminUrl = DEFAULT_POSTGRES_URL): Promise<Rig<{ legacy: string; target: string }>> {
  const suffix = randomBytes(4).toString('hex');
  const names = { legacy: `backflow_example_legacy_${suffix}`, target: `backflow_example_target_${suffix}` };
  await withClient(adminUrl, async (client) => {
    for (const name of Object.values(names)) await client.query(`CREATE DATABASE "${name}"`);
  });
  const urlOf = (database: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    url.searchParams.set('sslmode', 'disable');
    return url.toString();
  };
  const service = { legacy: urlOf(names.legacy), target: urlOf(names.target) };
  return {
    env: { LEGACY_DATABASE_URL: service.legacy, TARGET_DATABASE_URL: service.target },
    service,
    async landed() {
      return withClient(service.target, async (client) => {
        const { rows } = await client.query<{ relname: string; rows: number }>(
          `SELECT c.relname, (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM crm.' || quote_ident(c.relname), false, true, '')))[1]::text::int AS rows
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'crm' AND c.relkind = 'r' ORDER BY c.relname`,
        );
        return [`${names.target}.crm: ${rows.map((r) => `${r.relname} ${r.rows} rows`).join(', ')}`];
      });
    },
    async close() {
      await withClient(adminUrl, async (client) => {
        for (const name of Object.values(names)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

/** Whether a PostgreSQL server answers at this URL. */
export async function postgresReachable(adminUrl = DEFAULT_POSTGRES_URL): Promise<boolean> {
  return withClient(adminUrl, async () => true).catch(() => false);
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const pick = (object: Record<string, unknown> | undefined, keys: string[]) =>
  Object.fromEntries(keys.map((key) => [key, object?.[key] ?? null]));
