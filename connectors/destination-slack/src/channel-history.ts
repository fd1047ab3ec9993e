import type { Timing } from '@backflow/protocol/connector';
import { digestMarkerOf, recordMarkerOf, type RecordMarker } from './markers.js';
import type { SlackApi } from './slack-api.js';

/** A message this app posted for a record, as found in the channel. */
export interface PostedMessage {
  readonly ts: string;
  readonly text: string;
  readonly hash: string;
  readonly hasBlocks: boolean;
}

interface HistoryMessage {
  ts?: string;
  text?: string;
  bot_id?: string;
  blocks?: unknown[];
  metadata?: unknown;
}
interface HistoryPage {
  messages?: HistoryMessage[];
  response_metadata?: { next_cursor?: string };
}

/** Largest page Slack recommends for conversations.history. */
const PAGE_SIZE = 200;

/** What one channel holds of ours: messages per record, and digest entries per stream. */
class ChannelIndex {
  readonly records = new Map<string, PostedMessage>();
  readonly digestEntries = new Map<string, Set<string>>();

  add(message: HistoryMessage): void {
    if (!message.ts) return;
    const record = recordMarkerOf(message.metadata);
    // Pages run newest first: the first message seen for a record is its latest.
    if (record && !this.records.has(markerId(record))) {
      this.records.set(markerId(record), {
        ts: message.ts,
        text: message.text ?? '',
        hash: record.hash,
        hasBlocks: (message.blocks?.length ?? 0) > 0,
      });
    }
    const digest = digestMarkerOf(message.metadata);
    if (digest) {
      const entries = this.digestEntries.get(digest.stream) ?? new Set<string>();
      for (const entry of digest.entries) entries.add(entry);
      this.digestEntries.set(digest.stream, entries);
    }
  }
}

/**
 * The connector's memory of what it posted, read from Slack itself: each channel's history
 * (within the configured window) is read once per run, the first time the run writes to
 * it, and the app's own messages are indexed by their metadata markers. Kept current as
 * the run posts, edits and deletes.
 */
export class ChannelHistory {
  private readonly channels = new Map<string, Promise<ChannelIndex>>();

  constructor(
    private readonly api: SlackApi,
    private readonly botId: string | undefined,
    private readonly historyMs: number | undefined,
    private readonly timing: Timing,
  ) {}

  async message(channel: string, marker: Pick<RecordMarker, 'stream' | 'key'>): Promise<PostedMessage | undefined> {
    return (await this.index(channel)).records.get(markerId(marker));
  }

  async remember(channel: string, marker: Pick<RecordMarker, 'stream' | 'key'>, message: PostedMessage): Promise<void> {
    (await this.index(channel)).records.set(markerId(marker), message);
  }

  async forget(channel: string, marker: Pick<RecordMarker, 'stream' | 'key'>): Promise<void> {
    (await this.index(channel)).records.delete(markerId(marker));
  }

  /** Digest entries already posted for a stream in a channel. */
  async digestEntries(channel: string, stream: string): Promise<Set<string>> {
    const index = await this.index(channel);
    const entries = index.digestEntries.get(stream) ?? new Set<string>();
    index.digestEntries.set(stream, entries);
    return entries;
  }

  /**
   * Reads the channel again from `sinceMs` and returns the record's message if one
   * appeared: after a post whose outcome is unknown, this tells whether it landed.
   */
  async findSince(
    channel: string,
    marker: Pick<RecordMarker, 'stream' | 'key'>,
    sinceMs: number,
  ): Promise<PostedMessage | undefined> {
    await this.refresh(channel, sinceMs);
    return (await this.index(channel)).records.get(markerId(marker));
  }

  /** Reads the channel again from `sinceMs`, adding what the app posted there since. */
  async refresh(channel: string, sinceMs: number): Promise<void> {
    const index = await this.index(channel);
    for await (const message of this.read(channel, sinceMs)) index.add(message);
  }

  private index(channel: string): Promise<ChannelIndex> {
    let index = this.channels.get(channel);
    if (!index) {
      index = this.load(channel);
      this.channels.set(channel, index);
    }
    return index;
  }

  private async load(channel: string): Promise<ChannelIndex> {
    const index = new ChannelIndex();
    const since = this.historyMs === undefined ? undefined : this.timing.now() - this.historyMs;
    for await (const message of this.read(channel, since)) index.add(message);
    return index;
  }

  private async *read(channel: string, sinceMs: number | undefined): AsyncGenerator<HistoryMessage> {
    let cursor: string | undefined;
    do {
      const page = await this.api.call<HistoryPage>('conversations.history', {
        channel,
        limit: PAGE_SIZE,
        include_all_metadata: true,
        ...(sinceMs === undefined ? {} : { oldest: (sinceMs / 1000).toFixed(6) }),
        ...(cursor ? { cursor } : {}),
      });
      for (const message of page.messages ?? []) {
        if (this.botId === undefined || message.bot_id === this.botId) yield message;
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
  }
}

function markerId(marker: Pick<RecordMarker, 'stream' | 'key'>): string {
  return `${marker.stream}\u0000${marker.key}`;
}
