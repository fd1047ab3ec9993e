import { afterEach, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../../test/fakes/webhook/index.js';
import { catalog, closeReceivers, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeReceivers);

// A Slack incoming webhook body, and a template inserting typed values.
const slackBody = { text: 'New ticket {{ id }} from {{ customer.name }}: {{ subject }}' };
const typedBody = {
  event: 'ticket.created',
  ticket: { id: { $field: 'id' }, amount: { $field: 'amount' }, tags: { $field: 'tags' }, label: '#{{ id }}' },
};
const oneEach = { records: (body: unknown) => [body] };

describe('body template', () => {
  it('POSTs one request per record with the rendered body, signed, keeping non-string values typed', async () => {
    const secret = 'whsec_template_0123';
    const { receiver, run } = await setUp({ ...oneEach, secret }, { body_template: typedBody, signing_secret: secret });
    const result = await run('write', {
      catalog: catalog(stream('tickets', 'upsert')),
      input: [
        record('tickets', { id: 1, amount: 12.5, tags: ['vip'] }),
        record('tickets', { id: 2, amount: null }),
        state('tickets', 1),
      ],
    });

    expect(result.errors).toEqual([]);
    expect(result.states[0]!.destinationStats).toMatchObject({ recordCount: 2, rejectedRecordCount: 0 });
    expect(receiver.accepted()).toEqual([
      { event: 'ticket.created', ticket: { id: 1, amount: 12.5, tags: ['vip'], label: '#1' } },
      { event: 'ticket.created', ticket: { id: 2, amount: null, tags: null, label: '#2' } },
    ]);
    for (const request of receiver.requests) {
      expect(request.headers['x-backflow-signature']).toBe(signWebhookBody(secret, JSON.stringify(request.body)));
    }
  });

  it('rejects only the record whose request is refused, with the endpoint reason, after retrying a 429', async () => {
    const { receiver, run, sleeps } = await setUp(
      {
        ...oneEach,
        failWith: { status: 400, when: (body) => /ticket 2 /.test(JSON.stringify(body)), reason: 'no_text' },
      },
      { body_template: slackBody },
    );
    receiver.failNext({ status: 429, retryAfter: 3 });
    const result = await run('write', {
      catalog: catalog(stream('tickets', 'upsert')),
      input: [1, 2, 3]
        .map((id) => record('tickets', { id, subject: `S${id}`, customer: { name: 'Ada' } }))
        .concat(state('tickets', 1)),
    });

    expect(result.errors).toEqual([]);
    expect(sleeps).toEqual([3000]);
    expect(rejectedOf(result)).toEqual([expect.objectContaining({ reason: 'HTTP 400: no_text' })]);
    expect(receiver.accepted()).toEqual([{ text: 'New ticket 1 from Ada: S1' }, { text: 'New ticket 3 from Ada: S3' }]);
  });

  it('uses delete_body_template for records removed under mirror, and refuses mirror without one', async () => {
    const { receiver, run, config } = await setUp(oneEach, {
      body_template: slackBody,
      delete_body_template: { text: 'Ticket {{ id }} closed' },
    });
    const mirror = catalog(stream('tickets', 'mirror'));
    const result = await run('write', {
      catalog: mirror,
      input: [record('tickets', { id: 9 }, 'delete'), state('tickets', 1)],
    });
    expect(result.errors).toEqual([]);
    expect(receiver.accepted()).toEqual([{ text: 'Ticket 9 closed' }]);

    const refused = await run('write', {
      catalog: mirror,
      config: { ...config, delete_body_template: undefined },
      input: [state('tickets', 1)],
    });
    expect(refused.errors.map((e) => e.message).join('\n')).toMatch(
      /stream "tickets" is mirrored: .*set config\.delete_body_template/,
    );
  });

  it('check reaches the endpoint without posting a body, and names a malformed $field by its path', async () => {
    const { receiver, run, config } = await setUp(oneEach, { body_template: typedBody });
    const ok = await run('check');
    expect(ok.connectionStatus).toMatchObject({ status: 'SUCCEEDED' });
    expect(receiver.requests.map((r) => r.method)).toEqual(['HEAD']);

    const bad = await run('check', { config: { ...config, body_template: { card: [{ $field: 'a', x: 1 }] } } });
    expect(JSON.stringify(bad)).toMatch(/config\.body_template\.card\[0\]: a \{\\"\$field\\": \\"<field>\\"\} object/);
  });
});
