import type { SlackApi } from './slack-api.js';
import { RecordRefused } from './slack-errors.js';

const CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;

interface ListPage {
  channels?: { id?: string; name?: string }[];
  response_metadata?: { next_cursor?: string };
}

/**
 * Channel names to IDs. chat.update, chat.delete and conversations.history take only IDs,
 * and one channel must have one key for pacing and for finding earlier messages, so a name
 * is resolved once per run with conversations.list (every page, public and private
 * channels the bot can see).
 */
export class Channels {
  private byName: Promise<Map<string, string>> | undefined;

  constructor(private readonly api: SlackApi) {}

  /** The ID of `channel` (an ID, `#name` or `name`); RecordRefused `channel_not_found` if none. */
  async idOf(channel: string): Promise<string> {
    const trimmed = channel.trim();
    if (CHANNEL_ID.test(trimmed)) return trimmed;
    const name = trimmed.replace(/^#/, '').toLowerCase();
    this.byName ??= this.list();
    const id = (await this.byName).get(name);
    if (id === undefined)
      throw new RecordRefused(
        `channel_not_found: no channel named #${name} is visible to the bot`,
        'channel_not_found',
      );
    return id;
  }

  private async list(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await this.api.call<ListPage>('conversations.list', {
        types: 'public_channel,private_channel',
        exclude_archived: true,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      for (const channel of page.channels ?? []) if (channel.id && channel.name) names.set(channel.name, channel.id);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return names;
  }
}
