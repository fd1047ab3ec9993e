#!/usr/bin/env node
// Generates the Quick start's sample warehouse: a small, realistic B2B SaaS dataset in a
// DuckDB file, plus one SQL view per reverse-ETL use case. Deterministic (seeded PRNG,
// fixed dates), idempotent (recreates the file) and fast.
//
//   node examples/sample-warehouse/create.mjs [--path <file>]           recreate the file
//   node examples/sample-warehouse/create.mjs [--path <file>] --mutate  apply the change set
//
// --mutate applies a fixed, small change set to an existing file (creating it first if
// needed): 1% of customers move to the next lifecycle stage, 5 customers are deleted (with
// their orders and tickets) and 5 new ones sign up. Applying it twice changes nothing more,
// so a second sync shows "only changes are sent".
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBDataChunkWriter, DuckDBInstance, JSToDuckDBValueConverter } from '@duckdb/node-api';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    path: { type: 'string', default: join(here, 'warehouse.duckdb') },
    mutate: { type: 'boolean', default: false },
  },
});

/** The dataset's "today": every date is relative to it, so views give the same answers on any day. */
export const AS_OF = '2025-06-30 00:00:00+00';
const AS_OF_MS = Date.parse('2025-06-30T00:00:00Z');
const START_MS = Date.parse('2023-01-01T00:00:00Z');
/** When the --mutate change set happens (the day after AS_OF). */
const MUTATED_AT = new Date('2025-07-01T09:30:00Z');
const DAY_MS = 86_400_000;

export const COUNTS = { companies: 120, customers: 1500, orders: 4000, support_tickets: 600 };

/** mulberry32: a tiny seeded PRNG, so every run generates the same rows. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    /** Picks by weight: `[[value, weight], ...]`. */
    weighted: (pairs) => {
      let r = next() * pairs.reduce((sum, [, w]) => sum + w, 0);
      for (const [value, w] of pairs) if ((r -= w) < 0) return value;
      return pairs[pairs.length - 1][0];
    },
    dateBetween: (fromMs, toMs) => new Date(Math.floor((fromMs + next() * (toMs - fromMs)) / 1000) * 1000),
  };
}

const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Donald',
  'Sophie',
  'Tim',
  'Katherine',
  'John',
  'Hedy',
  'Guido',
  'Anita',
  'Bjarne',
  'Lucia',
  'Mateo',
  'Yuki',
  'Priya',
  'Omar',
  'Chen',
  'Amara',
  'Lars',
  'Ingrid',
  'Diego',
  'Fatima',
  'Noah',
  'Elena',
  'Kwame',
  'Aisha',
  'Hugo',
  'Mei',
  'Ravi',
  'Zoe',
  'Tomas',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Knuth',
  'Wilson',
  'Berners',
  'Johnson',
  'Backus',
  'Lamarr',
  'Rossum',
  'Borg',
  'Stroustrup',
  'Garcia',
  'Rossi',
  'Tanaka',
  'Sharma',
  'Haddad',
  'Wang',
  'Okafor',
  'Nilsson',
  'Berg',
  'Silva',
  'Khan',
  'Martin',
  'Petrova',
  'Mensah',
  'Bello',
  'Dubois',
  'Lin',
  'Iyer',
  'Clarke',
  'Novak',
];
const NAME_A = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Vandelay',
  'Soylent',
  'Tyrell',
  'Cyberdyne',
  'Aperture',
  'Wonka',
  'Gringotts',
  'Monarch',
  'Oscorp',
  'Pied',
  'Massive',
  'Nakatomi',
  'Dunder',
  'Blue',
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Tailspin',
  'Litware',
  'Adatum',
  'Proseware',
  'Wingtip',
  'Lucerne',
];
const NAME_B = [
  'Labs',
  'Systems',
  'Analytics',
  'Industries',
  'Cloud',
  'Logistics',
  'Health',
  'Robotics',
  'Media',
  'Capital',
  'Foods',
  'Energy',
  'Works',
  'Networks',
  'Data',
];
const INDUSTRIES = [
  'Software',
  'Retail',
  'Healthcare',
  'Financial Services',
  'Manufacturing',
  'Media',
  'Education',
  'Logistics',
  'Energy',
  'Hospitality',
];
const PLANS = [
  ['free', 30],
  ['starter', 35],
  ['growth', 25],
  ['enterprise', 10],
];
const COUNTRIES = [
  ['US', 40],
  ['GB', 12],
  ['DE', 10],
  ['FR', 8],
  ['CA', 7],
  ['NL', 5],
  ['IN', 6],
  ['BR', 4],
  ['AU', 4],
  ['JP', 4],
];
/** HubSpot's internal lifecycle stage values, in order. */
const STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
];
const STAGE_WEIGHTS = [
  [STAGES[0], 5],
  [STAGES[1], 20],
  [STAGES[2], 12],
  [STAGES[3], 8],
  [STAGES[4], 8],
  [STAGES[5], 42],
  [STAGES[6], 5],
];
const CURRENCIES = [
  ['USD', 70],
  ['EUR', 20],
  ['GBP', 10],
];
const ORDER_STATUS = [
  ['paid', 82],
  ['refunded', 5],
  ['pending', 8],
  ['cancelled', 5],
];
const PRIORITIES = [
  ['low', 30],
  ['normal', 45],
  ['high', 18],
  ['urgent', 7],
];
const TICKET_STATUS = [
  ['open', 25],
  ['pending', 15],
  ['solved', 40],
  ['closed', 20],
];
const AGENTS = ['maria@support.example', 'sam@support.example', 'jo@support.example', 'lee@support.example', null];
const SUBJECTS = [
  'Cannot log in after password reset',
  'Invoice shows the wrong VAT number',
  'Export to CSV times out',
  'Webhook deliveries failing with 500',
  'Need more seats on our plan',
  'SSO configuration question',
  'Dashboard loads slowly',
  'API rate limit too low for our sync',
  'Data missing after import',
  'How do I cancel my subscription?',
  'Billing charged twice this month',
  'Feature request: dark mode',
  'Integration with Salesforce stopped syncing',
  'Users not receiving invitation emails',
];

const SCHEMA = `
CREATE TABLE companies (
  id INTEGER PRIMARY KEY,
  domain VARCHAR NOT NULL UNIQUE,
  name VARCHAR NOT NULL,
  industry VARCHAR,
  employees INTEGER,
  plan VARCHAR NOT NULL,
  lifetime_value DECIMAL(12,2) NOT NULL DEFAULT 0,
  health_score SMALLINT,
  product_usage INTEGER,
  last_seen_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN companies.product_usage IS 'weekly active users in the product';
CREATE TABLE customers (
  id BIGINT PRIMARY KEY,
  email VARCHAR NOT NULL UNIQUE,
  first_name VARCHAR NOT NULL,
  last_name VARCHAR NOT NULL,
  company_id INTEGER,
  country VARCHAR,
  lifecycle_stage VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE orders (
  id BIGINT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  currency VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  ordered_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE support_tickets (
  id INTEGER PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  priority VARCHAR NOT NULL,
  subject VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  assignee VARCHAR,
  opened_at TIMESTAMPTZ NOT NULL,
  value_at_risk DECIMAL(12,2) NOT NULL
);
`;

/** One view per use case; each reads only the tables above, relative to the fixed AS_OF date. */
const VIEWS = `
-- CRM sync: every contact with its company, keyed by email (e.g. HubSpot contacts).
CREATE VIEW crm_contacts AS
SELECT c.id AS customer_id, c.email, c.first_name, c.last_name, c.country, c.lifecycle_stage,
       co.name AS company, co.domain AS company_domain, co.plan, c.created_at, c.updated_at
FROM customers c LEFT JOIN companies co ON co.id = c.company_id;

-- Account enrichment: per-account warehouse metrics pushed to CRM company records.
CREATE VIEW account_metrics AS
SELECT co.id AS company_id, co.domain, co.name, co.plan, co.employees, co.lifetime_value, co.health_score,
       co.product_usage, co.last_seen_at,
       count(DISTINCT c.id)::INTEGER AS contacts,
       count(DISTINCT t.id) FILTER (WHERE t.status IN ('open', 'pending'))::INTEGER AS open_tickets,
       coalesce(sum(o.amount) FILTER (WHERE o.status = 'paid' AND o.ordered_at >= TIMESTAMPTZ '${AS_OF}' - INTERVAL 90 DAY), 0)::DECIMAL(12,2) AS revenue_90d,
       co.updated_at
FROM companies co
LEFT JOIN customers c ON c.company_id = co.id
LEFT JOIN orders o ON o.customer_id = c.id
LEFT JOIN support_tickets t ON t.customer_id = c.id
GROUP BY ALL;

-- Marketing audience: paying contacts at the top accounts by lifetime value (e.g. an ads or email list).
CREATE VIEW high_value_segment AS
SELECT c.id AS customer_id, c.email, c.first_name, c.last_name, c.country, co.name AS company,
       co.lifetime_value, co.plan, 'high_value' AS segment
FROM customers c JOIN companies co ON co.id = c.company_id
WHERE co.lifetime_value >= 25000 AND c.lifecycle_stage IN ('customer', 'evangelist');

-- Support routing: unhealthy accounts that are going quiet or have escalations open.
CREATE VIEW churn_risk_alerts AS
SELECT m.company_id, m.domain, m.name, m.plan, m.health_score, m.lifetime_value, m.open_tickets,
       date_diff('day', m.last_seen_at, TIMESTAMPTZ '${AS_OF}')::INTEGER AS days_since_seen,
       CASE WHEN m.open_tickets > 0 THEN 'open tickets and low health' ELSE 'inactive and low health' END AS reason
FROM account_metrics m
WHERE m.health_score < 40 AND (m.open_tickets > 0 OR m.last_seen_at < TIMESTAMPTZ '${AS_OF}' - INTERVAL 14 DAY);

-- Support routing: open high/urgent tickets with who is affected and what is at stake.
CREATE VIEW urgent_tickets AS
SELECT t.id AS ticket_id, t.subject, t.priority, t.status, t.assignee, t.opened_at, t.value_at_risk,
       c.email AS customer_email, c.first_name || ' ' || c.last_name AS customer_name,
       co.name AS company, co.plan
FROM support_tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN companies co ON co.id = c.company_id
WHERE t.status IN ('open', 'pending') AND t.priority IN ('high', 'urgent');

-- Backups and conversion uploads: every order with the buyer's email.
CREATE VIEW orders_export AS
SELECT o.id AS order_id, o.customer_id, c.email, o.amount, o.currency, o.status, o.ordered_at
FROM orders o LEFT JOIN customers c ON c.id = o.customer_id;
`;

/** Scaled DECIMAL(12,2) value from cents: exact, no float rounding. */
const cents = (n) => BigInt(n);

function generate() {
  const rng = prng(20250630);
  const companies = [];
  const usedDomains = new Set();
  for (let id = 1; id <= COUNTS.companies; id++) {
    let name;
    let domain;
    do {
      name = `${rng.pick(NAME_A)} ${rng.pick(NAME_B)}`;
      domain = `${name.toLowerCase().replace(/[^a-z]+/g, '')}.example`;
    } while (usedDomains.has(domain) && usedDomains.size < NAME_A.length * NAME_B.length);
    if (usedDomains.has(domain)) domain = `${id}-${domain}`;
    usedDomains.add(domain);
    const createdAt = rng.dateBetween(START_MS, AS_OF_MS - 180 * DAY_MS);
    const lastSeen = rng.dateBetween(AS_OF_MS - 60 * DAY_MS, AS_OF_MS);
    companies.push([
      id,
      domain,
      name,
      rng.pick(INDUSTRIES),
      rng.weighted([
        [rng.int(2, 50), 50],
        [rng.int(51, 500), 35],
        [rng.int(501, 10000), 15],
      ]),
      rng.weighted(PLANS),
      cents(0),
      rng.int(5, 100),
      rng.int(0, 400),
      lastSeen,
      createdAt,
      rng.dateBetween(createdAt.getTime(), AS_OF_MS),
    ]);
  }
  const customers = [];
  for (let id = 1; id <= COUNTS.customers; id++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const company = rng.next() < 0.92 ? companies[rng.int(0, companies.length - 1)] : undefined;
    const domain = company ? company[1] : rng.pick(['gmail.example', 'outlook.example', 'proton.example']);
    const createdAt = rng.dateBetween(START_MS, AS_OF_MS - DAY_MS);
    customers.push([
      BigInt(id),
      `${first}.${last}.${id}@${domain}`.toLowerCase(),
      first,
      last,
      company ? company[0] : null,
      rng.weighted(COUNTRIES),
      rng.weighted(STAGE_WEIGHTS),
      createdAt,
      rng.dateBetween(createdAt.getTime(), AS_OF_MS),
    ]);
  }
  const orders = [];
  for (let id = 1; id <= COUNTS.orders; id++) {
    const customer = customers[rng.int(0, customers.length - 1)];
    orders.push([
      BigInt(id),
      customer[0],
      cents(
        rng.weighted([
          [rng.int(900, 9900), 60],
          [rng.int(9900, 99000), 35],
          [rng.int(99000, 1200000), 5],
        ]),
      ),
      rng.weighted(CURRENCIES),
      rng.weighted(ORDER_STATUS),
      rng.dateBetween(customer[7].getTime(), AS_OF_MS),
    ]);
  }
  const tickets = [];
  for (let id = 1; id <= COUNTS.support_tickets; id++) {
    const customer = customers[rng.int(0, customers.length - 1)];
    const priority = rng.weighted(PRIORITIES);
    tickets.push([
      id,
      customer[0],
      priority,
      rng.pick(SUBJECTS),
      rng.weighted(TICKET_STATUS),
      rng.pick(AGENTS),
      rng.dateBetween(AS_OF_MS - 120 * DAY_MS, AS_OF_MS),
      cents(priority === 'urgent' ? rng.int(500000, 5000000) : rng.int(0, 500000)),
    ]);
  }
  return { companies, customers, orders, support_tickets: tickets };
}

async function append(connection, table, rows) {
  const appender = await connection.createAppender(table);
  const writer = DuckDBDataChunkWriter.forAppender(appender, { converter: JSToDuckDBValueConverter });
  for (const row of rows) writer.appendRow(row);
  writer.flush();
  appender.closeSync();
}

async function create(path) {
  for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(SCHEMA);
    const data = generate();
    for (const [table, rows] of Object.entries(data)) await append(connection, table, rows);
    // Lifetime value is what the account's customers paid, in USD at fixed rates, as a warehouse model would compute it.
    await connection.run(`
      UPDATE companies SET lifetime_value = v.ltv FROM (
        SELECT c.company_id, sum(o.amount * CASE o.currency WHEN 'EUR' THEN 1.08 WHEN 'GBP' THEN 1.27 ELSE 1 END)::DECIMAL(12,2) AS ltv
        FROM orders o JOIN customers c ON c.id = o.customer_id
        WHERE o.status = 'paid' GROUP BY ALL
      ) v WHERE v.company_id = companies.id`);
    await connection.run(VIEWS);
    await connection.run('CHECKPOINT');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function mutate(path) {
  const rng = prng(7);
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const updated = new Set();
    while (updated.size < Math.ceil(COUNTS.customers / 100)) updated.add(rng.int(1, COUNTS.customers));
    const deleted = new Set();
    while (deleted.size < 5) {
      const id = rng.int(1, COUNTS.customers);
      if (!updated.has(id)) deleted.add(id);
    }
    const ids = (set) => [...set].sort((a, b) => a - b).join(', ');
    // Next lifecycle stage, computed from the original stage so applying twice is a no-op.
    const stageCase = STAGES.slice(0, -1)
      .map((stage, i) => `WHEN '${stage}' THEN '${STAGES[i + 1]}'`)
      .join(' ');
    await connection.run(`
      UPDATE customers SET
        lifecycle_stage = CASE lifecycle_stage ${stageCase} ELSE lifecycle_stage END,
        updated_at = TIMESTAMPTZ '${MUTATED_AT.toISOString()}'
      WHERE id IN (${ids(updated)}) AND updated_at < TIMESTAMPTZ '${MUTATED_AT.toISOString()}'`);
    await connection.run(`DELETE FROM orders WHERE customer_id IN (${ids(deleted)})`);
    await connection.run(`DELETE FROM support_tickets WHERE customer_id IN (${ids(deleted)})`);
    await connection.run(`DELETE FROM customers WHERE id IN (${ids(deleted)})`);
    const added = [];
    for (let i = 1; i <= 5; i++) {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      const id = 100_000 + i;
      added.push(
        `(${id}, '${`${first}.${last}.${id}@newco.example`.toLowerCase()}', '${first}', '${last}', NULL, 'US', 'lead', TIMESTAMPTZ '${MUTATED_AT.toISOString()}', TIMESTAMPTZ '${MUTATED_AT.toISOString()}')`,
      );
    }
    await connection.run(`INSERT INTO customers VALUES ${added.join(', ')} ON CONFLICT (id) DO NOTHING`);
    await connection.run('CHECKPOINT');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const path = resolve(args.path);
const started = Date.now();
if (args.mutate) {
  if (!existsSync(path)) await create(path);
  await mutate(path);
  console.log(`applied the change set to ${path} in ${Date.now() - started} ms`);
} else {
  await create(path);
  console.log(`created ${path} in ${Date.now() - started} ms`);
}
