import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, setUp, state, stream, tickets } from './helpers.js';

afterEach(closeFakes);

const insert = catalog(stream('tickets', 'insert'));

describe('digest mode', () => {
  it('posts one digest per channel per run, extended batch by batch, and a new one the next run', async () => {
    const { slack, run } = await setUp({
      mode: 'digest',
      text: '#{{ id }} {{ subject }}',
      digest_title: '*{{ count }} new tickets*',
    });
    const ids = Array.from({ length: 60 }, (_, i) => i + 1);
    const first = await run('write', { catalog: insert, input: [...tickets(ids), state('tickets', 1)] });
    expect(first.errors).toEqual([]);
    const [digest] = slack.messages('support');
    expect(slack.messages('support')).toHaveLength(1);
    expect(digest!.text.split('\n')).toEqual(['*60 new tickets*', ...ids.map((id) => `#${id} Subject ${id}`)]);
    // Two batches (50 + 10): posted, then edited.
    expect(slack.calls.filter((c) => c.method.startsWith('chat.')).map((c) => c.method)).toEqual([
      'chat.postMessage',
      'chat.update',
    ]);

    await run('write', { catalog: insert, input: [...tickets([61]), state('tickets', 2)] });
    expect(slack.messages('support').map((m) => m.text)).toEqual([digest!.text, '*1 new tickets*\n#61 Subject 61']);
  });

  it('never lists a record twice after a crash before its checkpoint', async () => {
    const { slack, run } = await setUp({ mode: 'digest', text: '#{{ id }}' });
    const ids = Array.from({ length: 50 }, (_, i) => i + 1);
    const crashed = await run('write', { catalog: insert, input: tickets(ids) });
    expect(crashed.states).toEqual([]);

    const rerun = await run('write', { catalog: insert, input: [...tickets([...ids, 51]), state('tickets', 1)] });
    expect(rerun.states[0]!.destinationStats).toMatchObject({ recordCount: 51, rejectedRecordCount: 0 });
    const lines = slack.messages('support').flatMap((m) => m.text.split('\n').slice(1));
    expect(lines).toEqual([...ids, 51].map((id) => `#${id}`));
  });

  it('continues in a new message past 100 lines, and rejects the lines of a channel Slack refuses', async () => {
    const { slack, run } = await setUp(
      { mode: 'digest', text: '#{{ id }}', channel: '{{ ch }}' },
      {
        channels: [
          { id: 'C0SUPPORT01', name: 'support', is_member: true },
          { id: 'C0ARCHIVE01', name: 'old', is_member: true, is_archived: true },
        ],
      },
    );
    const input = Array.from({ length: 120 }, (_, i) => record('tickets', { id: i, ch: 'C0SUPPORT01' }));
    const result = await run('write', {
      catalog: insert,
      input: [...input, record('tickets', { id: 999, ch: 'C0ARCHIVE01' }), state('tickets', 1)],
    });
    expect(result.states.flatMap((s) => s.destinationStats?.rejected_records ?? []).map((r) => r.reason)).toEqual([
      'chat.postMessage: Slack answered is_archived',
    ]);
    expect(slack.messages('support').map((m) => m.text.split('\n').length - 1)).toEqual([100, 20]);
  });
});
