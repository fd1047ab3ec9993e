import { afterEach, describe, expect, it } from 'vitest';
import { POSTS_PER_SECOND_PER_CHANNEL, TIER_PER_MINUTE } from '../../../test/fakes/slack/index.js';
import { catalog, closeFakes, record, setUp, state, stream, tickets } from './helpers.js';

afterEach(closeFakes);

const upsert = catalog(stream('tickets', 'upsert'));

/** Most posts into one channel within any 1-second window. */
function peakPostsPerSecond(times: number[]): number {
  let peak = 0;
  for (const [i, start] of times.entries())
    peak = Math.max(peak, times.slice(i).filter((t) => t < start + 1000).length);
  return peak;
}

describe('rate limits', () => {
  it('paces posts to one per second per channel, so Slack never answers 429, while channels go side by side', async () => {
    const { slack, run, now } = await setUp(
      { channel: '{{ ch }}' },
      {
        channels: [
          { id: 'C0SUPPORT01', name: 'support', is_member: true },
          { id: 'C0BILLING01', name: 'billing', is_member: true },
        ],
      },
    );
    const start = now();
    const input = Array.from({ length: 30 }, (_, i) =>
      record('tickets', { id: i, subject: `s${i}`, ch: i % 2 ? 'C0BILLING01' : 'C0SUPPORT01' }),
    );
    const result = await run('write', { catalog: upsert, input: [...input, state('tickets', 1)] });

    expect(result.errors).toEqual([]);
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual(Array(30).fill(200));
    for (const channel of ['C0SUPPORT01', 'C0BILLING01']) {
      const times = posts.filter((c) => c.args.channel === channel).map((c) => c.at);
      // Reached ÷ allowed = 1.0: exactly Slack's documented pace, never above it.
      expect(peakPostsPerSecond(times) / POSTS_PER_SECOND_PER_CHANNEL).toBe(1);
    }
    // 15 posts per channel at 1/s plus the pacer's 5% arrival margin, side by side: 30 posts in
    // 15.96 s, the second channel starting 1.26 s late, after its history read (Tier 3: 50 a
    // minute, spread evenly).
    expect(now() - start).toBe(15_960);
  });

  it('spreads edits over the minute as Tier 3 allows (50), so a long run of changes never meets a 429', async () => {
    const { slack, run } = await setUp({}, { rateLimits: true });
    const ids = Array.from({ length: 60 }, (_, i) => i);
    await run('write', { catalog: upsert, input: [...tickets(ids), state('tickets', 1)] });
    const from = slack.calls.length;
    await run('write', { catalog: upsert, input: [...tickets(ids, (id) => `edited ${id}`), state('tickets', 2)] });

    const updates = slack.calls.slice(from).filter((c) => c.method === 'chat.update');
    expect(updates.map((c) => c.status)).toEqual(Array(60).fill(200));
    const times = updates.map((c) => c.at);
    const peak = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
    // Reached ÷ allowed = 48 / 50 per minute: the pace less the pacer's 5% arrival margin.
    expect(peak / TIER_PER_MINUTE['chat.update']!).toBe(0.96);
  });

  it('waits as Retry-After says on HTTP 429, and backs off on ratelimited and internal_error', async () => {
    const { slack, run, sleeps } = await setUp();
    slack.failNext('chat.postMessage', { kind: 'http', status: 429, retryAfter: 7 });
    slack.failNext('conversations.history', { kind: 'error', error: 'ratelimited' });
    slack.failNext('chat.postMessage', { kind: 'error', error: 'internal_error' });
    const result = await run('write', { catalog: upsert, input: [...tickets([1, 2]), state('tickets', 1)] });

    expect(result.errors).toEqual([]);
    expect(sleeps).toContain(7000);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #1: Subject 1', 'Ticket #2: Subject 2']);
    expect(slack.calls.filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('fails with a transient error once retries are used up', async () => {
    const { slack, run, config } = await setUp();
    slack.failNext('chat.postMessage', { kind: 'http', status: 429, retryAfter: 1 }, 3);
    const result = await run('write', {
      catalog: upsert,
      config: { ...config, max_retries: 2 },
      input: [...tickets([1]), state('tickets', 1)],
    });
    expect(result.errors[0]).toMatchObject({ failure_type: 'transient_error' });
    expect(result.errors[0]!.message).toMatch(/chat\.postMessage: HTTP 429, Retry-After 1 s after 3 attempts/);
    expect(result.states).toEqual([]);
  });
});

describe('unknown outcomes', () => {
  it('never double-posts when the answer to a post is lost: it finds the message by its marker', async () => {
    const { slack, run } = await setUp();
    slack.failNext('chat.postMessage', { kind: 'drop-after-apply' });
    const result = await run('write', { catalog: upsert, input: [...tickets([1, 2]), state('tickets', 1)] });

    expect(result.errors).toEqual([]);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #1: Subject 1', 'Ticket #2: Subject 2']);
    expect(slack.calls.map((c) => c.method)).toEqual([
      'auth.test',
      'conversations.list',
      'conversations.history',
      'chat.postMessage', // landed, answer lost
      'conversations.history', // found it: not posted again
      'chat.postMessage',
    ]);
  });

  it('posts again when a lost answer hid a post that never landed (HTTP 500)', async () => {
    const { slack, run } = await setUp();
    slack.failNext('chat.postMessage', { kind: 'http', status: 500 });
    const result = await run('write', { catalog: upsert, input: [...tickets([1]), state('tickets', 1)] });

    expect(result.errors).toEqual([]);
    expect(slack.messages('support').map((m) => m.text)).toEqual(['Ticket #1: Subject 1']);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([500, 200]);
  });

  it('after a crash between a post and its checkpoint, the resent record is found and not posted again', async () => {
    const { slack, run } = await setUp();
    // The first run writes a full batch (50 records), then its input ends without a STATE:
    // as if killed between the posts and their checkpoint.
    const ids = Array.from({ length: 50 }, (_, i) => i + 1);
    const crashed = await run('write', { catalog: upsert, input: tickets(ids) });
    expect(crashed.states).toEqual([]);
    expect(slack.messages('support')).toHaveLength(50);

    const rerun = await run('write', { catalog: upsert, input: [...tickets([...ids, 51]), state('tickets', 1)] });
    expect(rerun.states[0]!.destinationStats).toMatchObject({ recordCount: 51, rejectedRecordCount: 0 });
    expect(slack.messages('support').map((m) => m.text)).toEqual(
      [...ids, 51].map((id) => `Ticket #${id}: Subject ${id}`),
    );
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200)).toHaveLength(51);
    expect(slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(0);
  });

  it('pages through a long channel history, ignoring other people and older messages outside the window', async () => {
    const { slack, run, now, config } = await setUp({ history_days: 1 });
    await run('write', { catalog: upsert, input: [...tickets([1]), state('tickets', 1)] });
    for (let i = 0; i < 450; i++) slack.workspace.postAsHuman('C0SUPPORT01', `chatter ${i}`, now());
    await run('write', {
      catalog: upsert,
      config,
      input: [record('tickets', { id: 1, subject: 'changed' }), state('tickets', 2)],
    });
    expect(
      slack
        .messages('support')
        .filter((m) => m.bot_id)
        .map((m) => m.text),
    ).toEqual(['Ticket #1: changed']);
    const pages = slack.calls.filter((c) => c.method === 'conversations.history');
    expect(pages.length).toBe(1 + 3); // first run: 1 page; second: 451 messages in pages of 200
    const loaded = pages[1]!.at;
    expect(pages.slice(1).map((p) => p.args.oldest)).toEqual(Array(3).fill(((loaded - 86_400_000) / 1000).toFixed(6)));
  });
});
