import type { ConnectorSpecification } from '@backflow/protocol';
import {
  ConfigError,
  compileJsonTemplate,
  compileTemplate,
  type JsonTemplate,
  type Template,
} from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

/** The config with the spec's defaults filled in and its templates compiled. */
export interface Settings {
  readonly botToken: string;
  readonly apiUrl: string;
  /** A fixed channel (ID or name) when the template has no placeholder. */
  readonly fixedChannel: string | undefined;
  readonly channel: Template;
  readonly text: Template;
  readonly blocks: JsonTemplate | undefined;
  /** Mention name → record field holding an e-mail address. */
  readonly mentions: Readonly<Record<string, string>>;
  readonly mode: 'message' | 'digest';
  readonly digestTitle: Template;
  readonly onDelete: 'delete' | 'strike';
  /** Least time between two posts into one channel. */
  readonly postIntervalMs: number;
  /** How far back a channel's history is read; undefined reads all of it. */
  readonly historyMs: number | undefined;
  readonly maxRetries: number;
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const fallback = <T>(name: keyof Config): T => properties[name]!.default as T;
  const channel = compileTemplate(config.channel);
  const historyDays = config.history_days ?? fallback<number>('history_days');
  const mode = config.mode ?? fallback<'message' | 'digest'>('mode');
  if (mode === 'digest' && config.blocks !== undefined)
    throw new ConfigError('config.blocks: a digest is text (one line per record); remove blocks or use mode "message"');
  return {
    botToken: config.bot_token,
    apiUrl: (config.slack_api_url ?? fallback<string>('slack_api_url')).replace(/\/*$/, '/'),
    fixedChannel: channel.columns.length === 0 ? config.channel : undefined,
    channel,
    text: compileTemplate(config.text),
    blocks: blocksTemplate(config.blocks),
    mentions: config.mentions ?? fallback<Record<string, string>>('mentions'),
    mode,
    digestTitle: compileTemplate(config.digest_title ?? fallback<string>('digest_title')),
    onDelete: config.on_delete ?? fallback<'delete' | 'strike'>('on_delete'),
    postIntervalMs: 1000 / (config.messages_per_second ?? fallback<number>('messages_per_second')),
    historyMs: historyDays === 0 ? undefined : historyDays * 86_400_000,
    maxRetries: config.max_retries ?? fallback<number>('max_retries'),
  };
}

function blocksTemplate(blocks: Config['blocks']): JsonTemplate | undefined {
  if (blocks === undefined) return undefined;
  try {
    return compileJsonTemplate(blocks);
  } catch (error) {
    throw new ConfigError((error as Error).message.replace(/^\$/, 'config.blocks'));
  }
}
