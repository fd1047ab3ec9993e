import type { IncomingRecord } from '@backflow/protocol/connector';
import { describe, expect, it } from 'vitest';
import { OBJECTS } from './objects.js';
import { prepareBatch } from './prepare-batch.js';
import type { CustomField } from './custom-fields.js';
import type { StreamPlan } from './stream-plan.js';

const ticketField = { id: 360001, type: 'tagger', title: 'Tier', active: true };
const plan = (object: 'users' | 'tickets', behaviour: StreamPlan['behaviour'], key?: string): StreamPlan => ({
  stream: 's',
  behaviour,
  key,
  schema: {
    object: OBJECTS[object],
    customFields: new Map<string, CustomField>(
      object === 'tickets' ? [['360001', ticketField]] : [['plan', { ...ticketField, key: 'plan' }]],
    ),
  },
});
const upsert = (data: Record<string, unknown>, key: Record<string, unknown> = {}): IncomingRecord => ({
  data,
  key,
  operation: 'upsert',
});

describe('prepareBatch', () => {
  it('shapes a routing update: internal comment, requester object, custom fields as [{id, value}], assignee e-mail kept aside', () => {
    const batch = prepareBatch(plan('tickets', 'update', 'external_id'), [
      upsert(
        {
          external_id: 'o-1',
          comment_body: 'Escalated',
          requester_email: 'r@example.com',
          requester_name: 'R',
          assignee_email: 'ada@example.com',
          group_id: '42',
          custom_fields: { '360001': 'gold' },
        },
        { external_id: 'o-1' },
      ),
    ]);
    expect(batch.rejected).toEqual([]);
    expect(batch.upserts).toEqual([
      {
        indices: [0],
        keyValue: 'o-1',
        normalizedKey: 'o-1',
        assigneeEmail: 'ada@example.com',
        item: {
          external_id: 'o-1',
          group_id: 42,
          comment: { body: 'Escalated', public: false },
          requester: { email: 'r@example.com', name: 'R' },
          custom_fields: [{ id: 360001, value: 'gold' }],
        },
      },
    ]);
  });

  it('collapses records with the same key (e-mails ignore case), the last one winning', () => {
    const batch = prepareBatch(plan('users', 'upsert', 'email'), [
      upsert({ email: 'A@example.com', name: 'first' }, { email: 'A@example.com' }),
      upsert({ email: 'a@example.com', name: 'second' }, { email: 'a@example.com' }),
    ]);
    expect(batch.upserts).toEqual([
      expect.objectContaining({
        indices: [0, 1],
        normalizedKey: 'a@example.com',
        item: { email: 'a@example.com', name: 'second' },
      }),
    ]);
  });

  it('rejects, naming the field: an empty key, an unknown field or custom field, a value outside the enum, a non-integer id', () => {
    const batch = prepareBatch(plan('users', 'upsert', 'email'), [
      upsert({ email: '' }, { email: '' }),
      upsert({ email: 'b@example.com', nickname: 'b' }, { email: 'b@example.com' }),
      upsert({ email: 'c@example.com', user_fields: { tier: 'x' } }, { email: 'c@example.com' }),
      upsert({ email: 'd@example.com', role: 'owner' }, { email: 'd@example.com' }),
      upsert({ email: 'e@example.com', organization_id: 'acme' }, { email: 'e@example.com' }),
    ]);
    expect(batch.upserts).toEqual([]);
    expect(batch.rejected.map((r) => [r.index, r.field, r.reason])).toEqual([
      [0, 'email', 'matching key email is empty'],
      [1, 'nickname', 'nickname is not a field of Zendesk users'],
      [2, 'user_fields.tier', 'user_fields.tier is not a custom field of Zendesk users'],
      [3, 'role', 'role: "owner" is not one of end-user, agent, admin'],
      [4, 'organization_id', 'organization_id: "acme" is not an integer'],
    ]);
  });

  it('applies deletes only under mirror', () => {
    const remove: IncomingRecord = {
      data: { email: 'x@example.com' },
      key: { email: 'x@example.com' },
      operation: 'delete',
    };
    expect(prepareBatch(plan('users', 'mirror', 'email'), [remove]).deletes).toHaveLength(1);
    expect(prepareBatch(plan('users', 'upsert', 'email'), [remove]).rejected[0]?.reason).toMatch(
      /only by behaviour mirror/,
    );
  });
});
