import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const upsert = catalog(stream('tickets', 'upsert'));

describe('per-record rejections with Slack’s error', () => {
  it('rejects msg_too_long and invalid_blocks records, delivering the others', async () => {
    const { slack, run } = await setUp({
      text: '{{ subject }}',
      blocks: [{ type: '{{ kind }}', text: { type: 'mrkdwn', text: '{{ subject }}' } }],
    });
    const result = await run('write', {
      catalog: upsert,
      input: [
        record('tickets', { id: 1, kind: 'section', subject: 'fine' }),
        record('tickets', { id: 2, kind: 'section', subject: 'x'.repeat(40_001) }),
        record('tickets', { id: 3, kind: 'section', subject: 'y'.repeat(3001) }),
        record('tickets', { id: 4, kind: 'banner', subject: 'unknown block type' }),
        state('tickets', 1),
      ],
    });
    expect(result.errors).toEqual([]);
    expect(rejectedOf(result).map((r) => r.reason)).toEqual([
      'chat.postMessage: Slack answered msg_too_long',
      'chat.postMessage: Slack answered invalid_blocks ([ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text])',
      'chat.postMessage: Slack answered invalid_blocks ([ERROR] unsupported type: banner [json-pointer:/blocks/0/type])',
    ]);
    expect(rejectedOf(result).every((r) => r.retryable === false)).toBe(true);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['fine']);
  });

  it('rejects records for a channel that does not exist or the bot is not in', async () => {
    const { slack, run } = await setUp(
      { channel: '{{ ch }}' },
      {
        channels: [
          { id: 'C0SUPPORT01', name: 'support', is_member: true },
          { id: 'C0PRIVATE01', name: 'sales', is_member: false },
        ],
      },
    );
    const result = await run('write', {
      catalog: upsert,
      input: [
        record('tickets', { id: 1, subject: 'a', ch: '#nowhere' }),
        record('tickets', { id: 2, subject: 'b', ch: 'C0PRIVATE01' }),
        record('tickets', { id: 3, subject: 'c', ch: 'C0GONE00001' }),
        record('tickets', { id: 4, subject: 'd', ch: '#support' }),
        state('tickets', 1),
      ],
    });
    expect(rejectedOf(result).map((r) => r.reason)).toEqual([
      'channel_not_found: no channel named #nowhere is visible to the bot',
      'conversations.history: Slack answered not_in_channel',
      'conversations.history: Slack answered channel_not_found',
    ]);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #4: d']);
  });

  it('fails with a config error for a refused token, never repeating it', async () => {
    const { run, config } = await setUp();
    const result = await run('write', {
      catalog: upsert,
      config: { ...config, bot_token: 'xoxb-wrong-token-value' },
      input: [record('tickets', { id: 1 }), state('tickets', 1)],
    });
    expect(result.errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(result.errors[0]!.message).toMatch(/Slack refused auth\.test with invalid_auth: check config\.bot_token/);
    expect(JSON.stringify(result.messages)).not.toContain('xoxb-wrong-token-value');
  });

  it('refuses at open what it cannot do, naming the stream', async () => {
    const { run, config } = await setUp({ channel: '{{ owner_channel }}' });
    const mirror = await run('write', { catalog: catalog(stream('tickets', 'mirror')), input: [] });
    expect(mirror.errors[0]!.message).toMatch(
      /stream "tickets": under mirror, config.channel may use only matching-key fields .*owner_channel is not one/,
    );
    const append = await run('write', {
      catalog: catalog(stream('events', 'append', [])),
      config: { ...config, channel: '#support' },
      input: [],
    });
    expect(append.errors[0]!.message).toMatch(/stream "events": behaviour append is not supported in message mode/);
    const digestMirror = await run('write', {
      catalog: catalog(stream('tickets', 'mirror')),
      config: { ...config, channel: '#support', mode: 'digest' },
      input: [],
    });
    expect(digestMirror.errors[0]!.message).toMatch(/behaviour mirror is not supported in digest mode/);
  });
});

describe('check', () => {
  it('proves the token and that the bot is in a fixed channel, posting nothing', async () => {
    const { slack, run, config } = await setUp(
      {},
      {
        channels: [
          { id: 'C0SUPPORT01', name: 'support', is_member: true },
          { id: 'C0PRIVATE01', name: 'sales', is_member: false },
        ],
      },
    );
    expect((await run('check')).connectionStatus).toEqual({
      status: 'SUCCEEDED',
      message: 'token accepted for backflow in Backflow Test; posting to #support',
    });
    expect((await run('check', { config: { ...config, channel: '#sales' } })).connectionStatus).toEqual({
      status: 'FAILED',
      message: 'config.channel: the bot is not in #sales (not_in_channel): invite it with /invite @backflow',
    });
    expect((await run('check', { config: { ...config, channel: '#nope' } })).connectionStatus?.message).toMatch(
      /^config\.channel: channel_not_found: no channel named #nope/,
    );
    expect(slack.calls.some((c) => c.method.startsWith('chat.'))).toBe(false);
  });
});
