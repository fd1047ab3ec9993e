/**
 * Slack's documented limits (docs.slack.dev/apis/web-api/rate-limits): each method has a
 * tier — calls per minute per workspace per app — and chat.postMessage allows about one
 * message per second per channel. Enforced here strictly (no burst allowance), counted in
 * rolling windows on the fake's clock; over a limit the call gets HTTP 429 with
 * `Retry-After` in whole seconds.
 */
export const TIER_PER_MINUTE: Readonly<Record<string, number>> = {
  'auth.test': 100, // Tier 4
  'chat.update': 50, // Tier 3
  'chat.delete': 50, // Tier 3
  'conversations.history': 50, // Tier 3 (internal apps; see README)
  'conversations.info': 50, // Tier 3
  'conversations.list': 20, // Tier 2
  'users.lookupByEmail': 50, // Tier 3
};
export const POSTS_PER_SECOND_PER_CHANNEL = 1;

export class RateLimits {
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly enabled: boolean) {}

  /** Records an admitted call and returns undefined, or the seconds to wait when over a limit. */
  admit(method: string, channel: string | undefined, now: number): number | undefined {
    if (!this.enabled) return undefined;
    const [key, max, windowMs] =
      method === 'chat.postMessage'
        ? [`post:${channel}`, POSTS_PER_SECOND_PER_CHANNEL, 1000]
        : [method, TIER_PER_MINUTE[method], 60_000];
    if (max === undefined) return undefined;
    const times = (this.seen.get(key) ?? []).filter((at) => at > now - windowMs);
    this.seen.set(key, times);
    if (times.length >= max) return Math.max(1, Math.ceil((times[0]! + windowMs - now) / 1000));
    times.push(now);
    return undefined;
  }
}
