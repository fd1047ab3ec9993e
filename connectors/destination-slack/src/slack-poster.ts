import { systemTiming, type Logger, type Timing } from '@backflow/protocol/connector';
import { Pacer } from './pacer.js';
import { SlackApi } from './slack-api.js';

export interface SlackPosterOptions {
  /** A bot token (`xoxb-…`) with `chat:write`. */
  readonly token: string;
  /** Default https://slack.com/api/ (a fake's address in tests). */
  readonly apiUrl?: string;
  readonly timing?: Timing;
  /** Where retries are told; silent by default. */
  readonly logger?: Logger;
}

/** Posts plain messages (e.g. `runner serve`'s alerts) with the destination's own client. */
export interface SlackPoster {
  /** Posts `text` (mrkdwn) into a channel, by ID or name; throws when Slack refuses it. */
  post(channel: string, text: string): Promise<void>;
}

const MAX_RETRIES = 3;

/**
 * A Slack client outside a sync: the same retries, 429 handling, per-channel pacing and
 * error wording as the destination, for a caller that only needs to post a message.
 */
export function createSlackPoster(options: SlackPosterOptions): SlackPoster {
  const timing = options.timing ?? systemTiming;
  const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  const api = new SlackApi({
    token: options.token,
    apiUrl: (options.apiUrl ?? 'https://slack.com/api/').replace(/\/*$/, '/'),
    timing,
    logger: options.logger ?? quiet,
    signal: new AbortController().signal,
    maxRetries: MAX_RETRIES,
    posts: new Pacer(1000, timing),
  });
  return {
    async post(channel, text) {
      await api.call('chat.postMessage', { channel, text, unfurl_links: false }, channel);
    },
  };
}
