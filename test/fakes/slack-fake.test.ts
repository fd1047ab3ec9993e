import { afterEach, describe, expect, it } from 'vitest';
import { startSlackFake, validateSlackCall, type SlackFake } from './slack/index.js';

const TOKEN = 'xoxb-fake-test-token';
let fake: SlackFake | undefined;
let clock = Date.UTC(2025, 0, 15, 12);

afterEach(async () => {
  // Whatever the fake answered must conform to Slack's OpenAPI document.
  const problems = fake?.calls.flatMap((call) => validateSlackCall(call).filter((p) => p.includes('response'))) ?? [];
  await fake?.close();
  fake = undefined;
  expect(problems).toEqual([]);
});

async function start(options: Partial<Parameters<typeof startSlackFake>[0]> = {}): Promise<SlackFake> {
  clock = Date.UTC(2025, 0, 15, 12);
  fake = await startSlackFake({ token: TOKEN, now: () => clock, ...options });
  return fake;
}

async function call(
  method: string,
  args: Record<string, unknown>,
  token: string | null = TOKEN,
): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const form = new URLSearchParams(
    Object.entries(args).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  const response = await fetch(`${fake!.url}${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: form,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('Slack Web API fake', () => {
  it('answers auth errors with HTTP 200 and ok:false, as Slack does', async () => {
    await start();
    expect(await call('auth.test', {}, null)).toMatchObject({ status: 200, body: { ok: false, error: 'not_authed' } });
    expect(await call('auth.test', {}, 'xoxb-other')).toMatchObject({ body: { ok: false, error: 'invalid_auth' } });
    expect((await call('auth.test', {})).body).toMatchObject({ ok: true, bot_id: 'B0BACKFLOW01' });
  });

  it('allows one post per second per channel and answers 429 with Retry-After past it', async () => {
    await start({
      channels: [
        { id: 'C0SUPPORT01', name: 'support', is_member: true },
        { id: 'C0BILLING01', name: 'billing', is_member: true },
      ],
    });
    expect((await call('chat.postMessage', { channel: 'C0SUPPORT01', text: 'a' })).status).toBe(200);
    expect((await call('chat.postMessage', { channel: 'C0BILLING01', text: 'b' })).status).toBe(200);
    const limited = await call('chat.postMessage', { channel: 'C0SUPPORT01', text: 'c' });
    expect(limited).toMatchObject({ status: 429, retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    clock += 1000;
    expect((await call('chat.postMessage', { channel: 'C0SUPPORT01', text: 'c' })).status).toBe(200);
  });

  it('counts tier limits per minute (conversations.list is Tier 2: 20 per minute)', async () => {
    await start();
    const answers = [];
    for (let i = 0; i < 21; i++) answers.push((await call('conversations.list', {})).status);
    expect(answers.filter((s) => s === 200)).toHaveLength(20);
    expect(answers.at(-1)).toBe(429);
  });

  it('refuses long text, bad blocks and channels it cannot post to, with Slack’s errors', async () => {
    await start({
      channels: [
        { id: 'C0SUPPORT01', name: 'support', is_member: true },
        { id: 'C0SALES0001', name: 'sales', is_member: false },
        { id: 'C0OLD000001', name: 'old', is_member: true, is_archived: true },
      ],
      rateLimits: false,
    });
    const post = async (args: Record<string, unknown>) => (await call('chat.postMessage', args)).body;
    expect(await post({ channel: 'C0SUPPORT01', text: 'x'.repeat(40_001) })).toEqual({
      ok: false,
      error: 'msg_too_long',
    });
    expect((await post({ channel: 'C0SUPPORT01', text: 'x'.repeat(40_000) })).ok).toBe(true);
    const divider = { type: 'divider' };
    expect(await post({ channel: 'C0SUPPORT01', text: 't', blocks: Array(51).fill(divider) })).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] },
    });
    expect(
      await post({
        channel: 'C0SUPPORT01',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3001) } }],
      }),
    ).toMatchObject({ error: 'invalid_blocks' });
    expect(await post({ channel: 'C0SUPPORT01', blocks: 'not json' })).toMatchObject({
      error: 'invalid_blocks_format',
    });
    expect(await post({ channel: 'C0SUPPORT01' })).toMatchObject({ error: 'no_text' });
    expect(await post({ channel: 'C0SALES0001', text: 't' })).toMatchObject({ error: 'not_in_channel' });
    expect(await post({ channel: 'C0NOPE00001', text: 't' })).toMatchObject({ error: 'channel_not_found' });
    expect(await post({ channel: 'C0OLD000001', text: 't' })).toMatchObject({ error: 'is_archived' });
  });

  it('pages conversations.history newest first by cursor, with metadata only when asked', async () => {
    const slack = await start({ rateLimits: false });
    for (let i = 0; i < 5; i++) {
      clock += 1000;
      await call('chat.postMessage', {
        channel: 'C0SUPPORT01',
        text: `m${i}`,
        metadata: { event_type: 'e', event_payload: { i: String(i) } },
      });
    }
    const first = await call('conversations.history', {
      channel: 'C0SUPPORT01',
      limit: '2',
      include_all_metadata: 'true',
    });
    expect((first.body.messages as { text: string }[]).map((m) => m.text)).toEqual(['m4', 'm3']);
    expect(first.body).toMatchObject({ has_more: true });
    expect((first.body.messages as { metadata?: unknown }[])[0]!.metadata).toEqual({
      event_type: 'e',
      event_payload: { i: '4' },
    });
    const cursor = (first.body.response_metadata as { next_cursor: string }).next_cursor;
    const second = await call('conversations.history', { channel: 'C0SUPPORT01', limit: '2', cursor });
    expect((second.body.messages as { text: string; metadata?: unknown }[]).map((m) => [m.text, m.metadata])).toEqual([
      ['m2', undefined],
      ['m1', undefined],
    ]);
    expect(slack.messages('support')).toHaveLength(5);
  });

  it('resolves users by e-mail, case-insensitively', async () => {
    await start({ users: [{ id: 'U0ADA00001', name: 'ada', email: 'ada@example.com' }] });
    expect((await call('users.lookupByEmail', { email: 'ADA@example.com' })).body).toMatchObject({
      ok: true,
      user: { id: 'U0ADA00001' },
    });
    expect((await call('users.lookupByEmail', { email: 'bob@example.com' })).body).toEqual({
      ok: false,
      error: 'users_not_found',
    });
  });
});

describe('validateSlackCall', () => {
  it('flags undeclared or mistyped arguments, a missing required one, and a response off the schema', async () => {
    await start();
    await call('chat.postMessage', { text: 'no channel', colour: 'red' });
    await call('conversations.history', { channel: 'C0SUPPORT01', limit: 'many' });
    const problems = fake!.calls.flatMap((c) => validateSlackCall(c));
    expect(problems).toEqual([
      'chat.postMessage: required argument channel is missing',
      'chat.postMessage: argument colour is not declared',
      'conversations.history: argument limit="many" is not a integer',
    ]);
    const bad = { ...fake!.calls[0]!, response: { ok: true, channel: 'nope', ts: '1', message: {} } };
    expect(validateSlackCall(bad).join('\n')).toMatch(/chat\.postMessage response: /);
  });
});
