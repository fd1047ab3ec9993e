import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const routing = stream('escalations', 'update', {
  object: 'tickets',
  key: 'external_id',
  properties: { external_id: {}, assignee_email: {}, group_id: {}, priority: {}, tags: {}, comment_body: {} },
});

describe('tickets', () => {
  it('routes a ticket: assignee by e-mail (searched once per run), group, priority, tags and an internal comment', async () => {
    const { fake, run } = await setUp();
    const tier2 = fake.store.addGroup('Tier 2');
    const [agent] = fake.store.seed('users', [{ name: 'Ada Agent', email: 'ada@support.example', role: 'agent' }]);
    const [first, second] = fake.store.seed('tickets', [
      { external_id: 'order-1', subject: 'Refund', status: 'open', priority: 'low', tags: ['billing'] },
      { external_id: 'order-2', subject: 'Late', status: 'new', priority: 'normal', tags: [] },
    ]);
    const written = await run('write', {
      catalog: catalog(routing),
      input: [
        record('escalations', {
          external_id: 'order-1',
          assignee_email: 'ADA@support.example',
          group_id: tier2,
          priority: 'urgent',
          tags: ['vip', 'churn-risk'],
          comment_body: 'Lifetime value 12,400 EUR; health score 31. Routed by Backflow.',
        }),
        record('escalations', {
          external_id: 'order-2',
          assignee_email: 'ada@support.example',
          priority: 'high',
          comment_body: 'Second one',
        }),
        record('escalations', { external_id: 'order-3', priority: 'high', comment_body: 'No such ticket' }),
        state('escalations', 1),
      ],
    });
    expect(written.errors).toEqual([]);
    expect(rejectedOf(written)).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/no Zendesk ticket has external_id order-3/) }),
    ]);
    expect(fake.store.records.tickets.get(first!.id)).toMatchObject({
      assignee_id: agent!.id,
      group_id: tier2,
      priority: 'urgent',
      tags: ['vip', 'churn-risk'],
      comments: [{ body: 'Lifetime value 12,400 EUR; health score 31. Routed by Backflow.', public: false }],
    });
    expect(fake.store.records.tickets.get(second!.id)).toMatchObject({ assignee_id: agent!.id, priority: 'high' });
    expect(fake.calls.count('GET', '/api/v2/users/search')).toBe(1);
    expect(fake.calls.count('PUT', '/api/v2/tickets/update_many')).toBe(1);
  });

  it('rejects routing to an unknown address, to an end user, and a priority Zendesk does not have, naming the field', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('users', [{ name: 'Customer', email: 'customer@example.com', role: 'end-user' }]);
    fake.store.seed('tickets', [
      { external_id: 't1', subject: 's', status: 'open' },
      { external_id: 't2', subject: 's', status: 'open' },
      { external_id: 't3', subject: 's', status: 'open', priority: 'low' },
    ]);
    const written = await run('write', {
      catalog: catalog(routing),
      input: [
        record('escalations', { external_id: 't1', assignee_email: 'nobody@example.com' }),
        record('escalations', { external_id: 't2', assignee_email: 'customer@example.com' }),
        record('escalations', { external_id: 't3', priority: 'asap' }),
        state('escalations', 1),
      ],
    });
    expect(rejectedOf(written)).toEqual([
      expect.objectContaining({
        field: 'priority',
        reason: expect.stringContaining('"asap" is not one of urgent, high, normal, low'),
      }),
      expect.objectContaining({
        field: 'assignee_email',
        reason: 'assignee_email: no Zendesk user has the e-mail nobody@example.com',
      }),
      expect.objectContaining({
        field: 'assignee_email',
        reason: expect.stringMatching(/customer@example.com is an end user/),
      }),
    ]);
    expect(fake.store.byExternalId('tickets', 't3')).toMatchObject({ priority: 'low' });
    expect(fake.calls.writes).toBe(0);
  });

  it('upserts by external id: creates with the first comment, updates the found ones, and mirror solves instead of deleting', async () => {
    const { fake, run } = await setUp();
    const [other] = fake.store.seed('tickets', [{ external_id: 'other-tool', subject: 'Not ours', status: 'open' }]);
    const tickets = stream('alerts', 'mirror', { object: 'tickets', key: 'external_id' });
    const first = await run('write', {
      catalog: catalog(tickets),
      input: [
        ...Array.from({ length: 150 }, (_, i) =>
          record('alerts', {
            external_id: `a-${i}`,
            subject: `Alert ${i}`,
            comment_body: `Opened for row ${i}`,
            requester_email: `r${i}@example.com`,
          }),
        ),
        record('alerts', { external_id: 'a-bad', subject: 'No comment' }),
        state('alerts', 1),
      ],
    });
    expect(rejectedOf(first)).toEqual([
      expect.objectContaining({ reason: 'RecordInvalid: Description: cannot be blank' }),
    ]);
    expect(fake.store.list('tickets')).toHaveLength(151);
    expect(fake.store.byExternalId('tickets', 'a-5')).toMatchObject({
      subject: 'Alert 5',
      comments: [{ body: 'Opened for row 5', public: false }],
    });
    expect(fake.store.userByEmail('r5@example.com')).toBeDefined();

    fake.calls.reset();
    const second = await run('write', {
      catalog: catalog(tickets),
      input: [
        record('alerts', { external_id: 'a-1', subject: 'Alert 1 (again)' }),
        record('alerts', { external_id: 'a-2' }, 'delete'),
        record('alerts', { external_id: 'never-sent' }, 'delete'),
        state('alerts', 2),
      ],
    });
    expect(second.errors).toEqual([]);
    expect(rejectedOf(second)).toEqual([]);
    expect(fake.store.byExternalId('tickets', 'a-1')).toMatchObject({ subject: 'Alert 1 (again)' });
    expect(fake.store.byExternalId('tickets', 'a-2')).toMatchObject({ status: 'solved' });
    expect(fake.store.records.tickets.get(other!.id)).toMatchObject({ status: 'open' });
    // Ticket ids come from one cursor-paginated listing (151 tickets: 2 pages of 100).
    expect(fake.calls.count('GET', '/api/v2/tickets')).toBe(2);
    expect(
      fake.calls.all
        .filter((c) => c.path === '/api/v2/tickets')
        .every((c) => c.query.includes('page%5Bsize%5D=100') || c.query.includes('page[size]=100')),
    ).toBe(true);
  });

  it('reports the closed-ticket refusal Zendesk gives for an update; a mirror delete of a closed ticket is already done', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('tickets', [
      { external_id: 'done', subject: 'Old', status: 'closed' },
      { external_id: 'gone', subject: 'Older', status: 'closed' },
    ]);
    const mirrored = await run('write', {
      catalog: catalog(stream('alerts', 'mirror', { object: 'tickets', key: 'external_id' })),
      input: [record('alerts', { external_id: 'gone' }, 'delete'), state('alerts', 1)],
    });
    expect(rejectedOf(mirrored)).toEqual([]);
    expect(fake.calls.writes).toBe(0);
    const written = await run('write', {
      catalog: catalog(stream('alerts', 'upsert', { object: 'tickets', key: 'external_id' })),
      input: [record('alerts', { external_id: 'done', priority: 'high' }), state('alerts', 1)],
    });
    expect(rejectedOf(written)).toEqual([
      expect.objectContaining({ reason: 'RecordInvalid: Status: closed prevents ticket update', retryable: false }),
    ]);
  });
});

describe('organizations', () => {
  it('upsert matches external ids case-insensitively with show_many, creating the rest; custom fields by key', async () => {
    const { fake, run } = await setUp();
    fake.store.addField('organizations', { key: 'arr', type: 'decimal', title: 'ARR' });
    fake.store.seed('organizations', [{ name: 'Acme', external_id: 'ACME-1' }]);
    const written = await run('write', {
      catalog: catalog(stream('accounts', 'upsert', { object: 'organizations', key: 'external_id' })),
      input: [
        record('accounts', { external_id: 'acme-1', name: 'Acme Corp', organization_fields: { arr: 1200.5 } }),
        record('accounts', { external_id: 'globex', name: 'Globex' }),
        record('accounts', { external_id: 'dupe', name: 'acme corp' }),
        record('accounts', { external_id: 'typo', name: 'T', organization_fields: { ar: 1 } }),
        state('accounts', 1),
      ],
    });
    expect(rejectedOf(written)).toEqual([
      expect.objectContaining({
        field: 'organization_fields.ar',
        reason: expect.stringContaining('not a custom field'),
      }),
      expect.objectContaining({ reason: 'RecordInvalid: Name: has already been taken' }),
    ]);
    expect(
      fake.store
        .list('organizations')
        .map((o) => [o.external_id, o.name])
        .sort(),
    ).toEqual([
      // Found case-insensitively, then written with the model's spelling.
      ['acme-1', 'Acme Corp'],
      ['globex', 'Globex'],
    ]);
    expect(fake.store.byExternalId('organizations', 'acme-1')).toMatchObject({ organization_fields: { arr: 1200.5 } });
  });
});
