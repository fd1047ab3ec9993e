import { createHash } from 'node:crypto';
import { valueAt } from '@backflow/protocol/connector';
import type { Mentions } from './mentions.js';
import type { Settings } from './settings.js';

/** A record's message as it will be sent. */
export interface RenderedMessage {
  /** The channel as the template gives it: an ID or a name. */
  readonly channel: string;
  readonly text: string;
  readonly blocks: unknown[] | undefined;
  /** Short digest of text and blocks: equal hashes mean there is nothing to edit. */
  readonly hash: string;
}

/** Renders the channel, text and blocks templates over a record, mentions resolved. */
export class Renderer {
  constructor(
    private readonly settings: Settings,
    private readonly mentions: Mentions,
  ) {}

  async render(data: Record<string, unknown>): Promise<RenderedMessage> {
    const row = await this.withMentions(data);
    const text = this.settings.text.render(row);
    const blocks = this.settings.blocks?.render(row) as unknown[] | undefined;
    return { channel: this.settings.channel.render(row).trim(), text, blocks, hash: shortHash([text, blocks ?? null]) };
  }

  /** The record's fields plus `mention.<name>` for each configured mention. */
  private async withMentions(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const entries = Object.entries(this.settings.mentions);
    if (entries.length === 0) return data;
    const mention: Record<string, string> = {};
    for (const [name, field] of entries) {
      const email = valueAt(data, field.split('.'));
      mention[name] = typeof email === 'string' && email.includes('@') ? await this.mentions.mentionOf(email) : '';
    }
    return { ...data, mention };
  }
}

/** 12 hex digits of SHA-256 over a value's JSON: enough to tell versions of one record apart. */
export function shortHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

/** Slack's strikethrough is per line: `~line~` on each non-empty line. */
export function struckThrough(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? line : `~${line}~`))
    .join('\n');
}
