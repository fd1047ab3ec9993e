import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { signWebhookBody, startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook/index.js';
import { createTestDatabase, seedModelTable, type TestDatabase } from '../support/postgres.js';
import { tempWorkspace } from '../support/workspace.js';

// Postgres model → destination-webhook with a body template (a Slack-incoming-webhook-like
// body and a typed field) → the webhook receiver, through the runner: one request per record.

const SECRET = 'whsec_e2e_template_secret';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let receiver: WebhookReceiver;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_whtpl_src');
  receiver = await startWebhookReceiver({ secret: SECRET, records: (body) => [body] });
});
afterEach(async () => {
  await Promise.all([source.drop(), ws.cleanup(), receiver.close()]);
});

const connection = () => ({
  name: 'customers-to-chat',
  source: {
    connector: 'source-postgres',
    config: {
      ...source.config,
      tables: [],
      models: [{ name: 'customers', sql: 'select id, email, plan, score from customers', primary_key: ['id'] }],
    },
  },
  destination: {
    connector: 'destination-webhook',
    config: {
      url: `${receiver.url}/services/T000/B000/XXXX`,
      signing_secret: SECRET,
      body_template: {
        text: 'New customer {{ email }} on {{ plan }}',
        customer: { id: { $field: 'id' }, score: { $field: 'score' } },
      },
    },
  },
  streams: [{ name: 'customers', behaviour: 'upsert', matching_keys: ['id'] }],
  state: ws.path('state'),
});

describe('destination-webhook body template end to end', () => {
  it('POSTs one signed request per new or changed record, with the rendered body', async () => {
    await seedModelTable(source, 3);
    const first = await sync(await ws.connection('c', connection()));
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 3, sent: 3, committed: 3 });
    expect(receiver.accepted()).toEqual([
      { text: 'New customer user1@example.com on pro', customer: { id: 1, score: '0.25' } },
      { text: 'New customer user2@example.com on team', customer: { id: 2, score: '0.50' } },
      { text: 'New customer user3@example.com on free', customer: { id: 3, score: '0.75' } },
    ]);
    for (const request of receiver.requests) {
      expect(request.path).toBe('/services/T000/B000/XXXX');
      expect(request.headers['x-backflow-signature']).toBe(signWebhookBody(SECRET, JSON.stringify(request.body)));
    }

    await source.sql(`UPDATE customers SET plan = 'enterprise' WHERE id = 2`);
    const second = await sync(await ws.connection('c', connection()));
    expect(second.streams['customers']).toMatchObject({ changed: 1, unchanged: 2, sent: 1 });
    expect(receiver.accepted()).toHaveLength(4);
    expect(receiver.accepted().at(-1)).toEqual({
      text: 'New customer user2@example.com on enterprise',
      customer: { id: 2, score: '0.50' },
    });
  });
});
