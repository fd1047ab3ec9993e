import type { ConnectorSpecification } from '@backflow/protocol';
import type { ConnectorContext, Timing } from '@backflow/protocol/connector';
import { Channels } from './channels.js';
import type { Config } from './generated/config.js';
import { Mentions } from './mentions.js';
import { Pacer } from './pacer.js';
import { Renderer } from './render.js';
import { settingsOf, type Settings } from './settings.js';
import { SlackApi } from './slack-api.js';

export interface Connection {
  readonly settings: Settings;
  readonly api: SlackApi;
  readonly channels: Channels;
  readonly renderer: Renderer;
}

/** A Slack client for one connector run, with its channel and mention caches. */
export function connect(ctx: ConnectorContext<Config>, spec: ConnectorSpecification, timing: Timing): Connection {
  const settings = settingsOf(ctx.config, spec);
  const api = new SlackApi({
    token: settings.botToken,
    apiUrl: settings.apiUrl,
    timing,
    logger: ctx.logger,
    signal: ctx.signal,
    maxRetries: settings.maxRetries,
    posts: new Pacer(settings.postIntervalMs, timing),
  });
  return {
    settings,
    api,
    channels: new Channels(api),
    renderer: new Renderer(settings, new Mentions(api, ctx.logger)),
  };
}

/** auth.test: proves the token, and names the bot whose messages are ours. */
export async function whoAmI(api: SlackApi): Promise<{ team: string; botId: string | undefined; user: string }> {
  const answer = await api.call<{ team?: string; bot_id?: string; user?: string }>('auth.test', {});
  return { team: answer.team ?? '?', botId: answer.bot_id, user: answer.user ?? '?' };
}
