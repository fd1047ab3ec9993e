// The examples, in the order of the mission's use cases: each connection file with the
// stand-in it runs against. `npm run examples` walks this list.
import { join } from 'node:path';
import {
  filesRig,
  hubspotRig,
  hubspotToSalesforceRig,
  postgresRig,
  salesforceRig,
  sheetsRig,
  slackRig,
  zendeskRig,
  type Rig,
  type Workspace,
} from './rigs.js';

export interface Example {
  /** The connection file, relative to examples/. */
  file: string;
  title: string;
  start(ws: Workspace): Promise<Rig<unknown>>;
  /** A connection file run once before the example, to give it data to read. */
  setup?: string;
  /** Needs a PostgreSQL server. */
  postgres?: boolean;
}

export const EXAMPLES: Example[] = [
  { file: 'customers-to-hubspot.yaml', title: 'customers → HubSpot contacts (upsert by e-mail)', start: hubspotRig },
  {
    file: 'account-metrics-to-salesforce.yaml',
    title: 'account metrics → Salesforce Account fields',
    start: salesforceRig,
  },
  {
    file: 'hubspot-to-salesforce.yaml',
    title: 'HubSpot → Salesforce migration (companies and contacts, upsert by HubSpot id)',
    start: (ws) => hubspotToSalesforceRig(ws.warehouse),
  },
  { file: 'segment-to-google-sheet.yaml', title: 'high-value segment → Google Sheet (mirror)', start: sheetsRig },
  { file: 'urgent-tickets-to-slack.yaml', title: 'urgent tickets → Slack messages', start: slackRig },
  {
    file: 'urgent-tickets-to-zendesk.yaml',
    title: 'urgent tickets → Zendesk ticket updates',
    start: (ws) => zendeskRig(ws.warehouse),
  },
  {
    file: 'csv-to-jsonl.yaml',
    title: 'CSV files → JSON Lines (renames, type coercion)',
    start: (ws) => filesRig(join(ws.output, 'documents')),
  },
  {
    file: 'postgres-migration.yaml',
    title: 'Postgres → Postgres migration',
    start: () => postgresRig(process.env['EXAMPLES_POSTGRES_URL']),
    setup: 'setup/warehouse-to-postgres.yaml',
    postgres: true,
  },
  {
    file: 'nightly-backup.yaml',
    title: 'nightly backup of tables and a SQL model → files',
    start: (ws) => filesRig(join(ws.output, 'backup')),
  },
];
