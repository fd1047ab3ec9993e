import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream, tickets } from './helpers.js';

afterEach(closeFakes);

const upsert = catalog(stream('tickets', 'upsert'));

describe('one message per record', () => {
  it('posts each new record once, edits a changed one, and sends nothing for an unchanged rerun', async () => {
    const { slack, run } = await setUp();
    const first = await run('write', { catalog: upsert, input: [...tickets([1, 2, 3]), state('tickets', 1)] });
    expect(first.errors).toEqual([]);
    expect(first.states[0]!.destinationStats).toMatchObject({ recordCount: 3, rejectedRecordCount: 0 });
    expect(slack.messages('support').map((m) => m.text)).toEqual([
      'Ticket #1: Subject 1',
      'Ticket #2: Subject 2',
      'Ticket #3: Subject 3',
    ]);
    expect(slack.messages('support')[0]!.metadata).toEqual({
      event_type: 'backflow_record',
      event_payload: { stream: 'tickets', key: '{"id":1}', hash: expect.stringMatching(/^[0-9a-f]{12}$/) },
    });

    // A new run (new process: nothing in memory) with one changed and one unchanged record.
    const before = slack.calls.length;
    const second = await run('write', {
      catalog: upsert,
      input: [record('tickets', { id: 2, subject: 'Refund please' }), ...tickets([3]), state('tickets', 2)],
    });
    expect(second.errors).toEqual([]);
    const methods = slack.calls.slice(before).map((c) => c.method);
    expect(methods).toEqual(['auth.test', 'conversations.list', 'conversations.history', 'chat.update']);
    expect(slack.messages('support').map((m) => m.text)).toEqual([
      'Ticket #1: Subject 1',
      'Ticket #2: Refund please',
      'Ticket #3: Subject 3',
    ]);
  });

  it('insert leaves an earlier message alone; update edits only records that have one', async () => {
    const { slack, run } = await setUp();
    await run('write', { catalog: upsert, input: [...tickets([1]), state('tickets', 1)] });
    const insert = await run('write', {
      catalog: catalog(stream('tickets', 'insert')),
      input: [record('tickets', { id: 1, subject: 'changed' }), ...tickets([2]), state('tickets', 2)],
    });
    expect(insert.errors).toEqual([]);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #1: Subject 1', 'Ticket #2: Subject 2']);

    const update = await run('write', {
      catalog: catalog(stream('tickets', 'update')),
      input: [record('tickets', { id: 2, subject: 'edited' }), ...tickets([7]), state('tickets', 3)],
    });
    expect(rejectedOf(update)).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(/^message_not_found: behaviour "update" edits earlier messages only/),
      }),
    ]);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #1: Subject 1', 'Ticket #2: edited']);
  });

  it('under mirror, deletes the message of a removed record, or strikes it through', async () => {
    const mirror = catalog(stream('tickets', 'mirror'));
    const { slack, run, config } = await setUp();
    await run('write', { catalog: mirror, input: [...tickets([1, 2]), state('tickets', 1)] });
    await run('write', { catalog: mirror, input: [record('tickets', { id: 1 }, 'delete'), state('tickets', 2)] });
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #2: Subject 2']);

    const strike = { ...config, on_delete: 'strike' };
    const struck = await run('write', {
      catalog: mirror,
      config: strike,
      input: [record('tickets', { id: 2 }, 'delete'), state('tickets', 3)],
    });
    expect(struck.errors).toEqual([]);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['~Ticket #2: Subject 2~']);
    // Striking again (a resend) changes nothing.
    const before = slack.calls.filter((c) => c.method === 'chat.update').length;
    await run('write', {
      catalog: mirror,
      config: strike,
      input: [record('tickets', { id: 2 }, 'delete'), state('tickets', 4)],
    });
    expect(slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(before);
  });

  it('builds Block Kit from the template, with typed values and a mention resolved once per address', async () => {
    const { slack, run } = await setUp(
      {
        text: 'Ticket #{{ id }} for {{ mention.owner }}',
        mentions: { owner: 'owner_email' },
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Ticket #{{ id }}' } },
          { type: 'section', text: { type: 'mrkdwn', text: '{{ subject }} — {{ mention.owner }}' } },
        ],
      },
      { users: [{ id: 'U0ADA00001', name: 'ada', email: 'ada@example.com' }] },
    );
    const result = await run('write', {
      catalog: upsert,
      input: [
        record('tickets', { id: 1, subject: 'A', owner_email: 'Ada@example.com' }),
        record('tickets', { id: 2, subject: 'B', owner_email: 'ada@example.com' }),
        record('tickets', { id: 3, subject: 'C', owner_email: 'nobody@example.com' }),
        state('tickets', 1),
      ],
    });
    expect(result.errors).toEqual([]);
    const [first, , third] = slack.messages('support');
    expect(first!.text).toBe('Ticket #1 for <@U0ADA00001>');
    expect(first!.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Ticket #1' } },
      { type: 'section', text: { type: 'mrkdwn', text: 'A — <@U0ADA00001>' } },
    ]);
    expect(third!.text).toBe('Ticket #3 for nobody@example.com');
    expect(slack.calls.filter((c) => c.method === 'users.lookupByEmail')).toHaveLength(2);
  });

  it('takes the channel from a field, resolving names once', async () => {
    const { slack, run } = await setUp(
      { channel: '{{ team_channel }}' },
      {
        channels: [
          { id: 'C0SUPPORT01', name: 'support', is_member: true },
          { id: 'C0BILLING01', name: 'billing', is_member: true },
        ],
      },
    );
    const result = await run('write', {
      catalog: upsert,
      input: [
        record('tickets', { id: 1, subject: 'a', team_channel: '#billing' }),
        record('tickets', { id: 2, subject: 'b', team_channel: 'C0SUPPORT01' }),
        record('tickets', { id: 3, subject: 'c', team_channel: 'billing' }),
        state('tickets', 1),
      ],
    });
    expect(result.errors).toEqual([]);
    expect(slack.messages('billing').map((m) => m.text)).toEqual(['Ticket #1: a', 'Ticket #3: c']);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #2: b']);
    expect(slack.calls.filter((c) => c.method === 'conversations.list')).toHaveLength(1);
  });
});
