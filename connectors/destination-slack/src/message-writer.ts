import type { SyncBehaviour } from '@backflow/protocol';
import { TransientError, backoffMs, type IncomingRecord, type Logger, type Timing } from '@backflow/protocol/connector';
import type { ChannelHistory, PostedMessage } from './channel-history.js';
import type { Channels } from './channels.js';
import { recordMetadata, type RecordMarker } from './markers.js';
import { struckThrough, type Renderer, type RenderedMessage } from './render.js';
import type { SlackApi } from './slack-api.js';
import { OutcomeUnknown, RecordRefused, SlackCallError } from './slack-errors.js';

/** How far before a post with an unknown outcome the channel is read again (clock skew). */
const RECHECK_MARGIN_MS = 5 * 60_000;
const STRUCK = 'struck';

export interface MessageWriterOptions {
  readonly api: SlackApi;
  readonly channels: Channels;
  readonly history: ChannelHistory;
  readonly renderer: Renderer;
  readonly timing: Timing;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly onDelete: 'delete' | 'strike';
  readonly maxRetries: number;
  /** The channel for deletes, which carry only key fields: fixed, or rendered from the key. */
  readonly deleteChannel: (key: Record<string, unknown>) => string;
}

/** What happened to one record, for counting and tests. */
export type MessageAction = 'posted' | 'updated' | 'unchanged' | 'kept' | 'deleted' | 'struck' | 'absent';

/**
 * One Slack message per record, found again by its metadata marker: posted when new,
 * edited when its text or blocks changed, left alone when unchanged (a resend after a crash
 * is one of those), and deleted or struck through when the record leaves a mirror.
 * Throws RecordRefused for a record that cannot be delivered (Slack's error for those Slack refuses).
 */
export class MessageWriter {
  constructor(private readonly options: MessageWriterOptions) {}

  async write(stream: string, behaviour: SyncBehaviour, record: IncomingRecord): Promise<MessageAction> {
    const marker = { stream, key: JSON.stringify(record.key) };
    if (record.operation === 'delete') return this.remove(marker, record.key);
    const { channels, history, renderer } = this.options;
    const rendered = await renderer.render(record.data);
    if (rendered.channel === '')
      throw new RecordRefused('channel_not_found: config.channel rendered empty for this record', 'channel_not_found');
    const channel = await channels.idOf(rendered.channel);
    const earlier = await history.message(channel, marker);
    if (earlier) {
      if (behaviour === 'insert') return 'kept';
      if (earlier.hash === rendered.hash) return 'unchanged';
      try {
        await this.update(channel, { ...marker, hash: rendered.hash }, earlier, rendered.text, rendered.blocks);
        return 'updated';
      } catch (error) {
        // Someone deleted the message in Slack: an upsert posts it again.
        if (!(error instanceof SlackCallError && error.error === 'message_not_found') || behaviour === 'update')
          throw error;
        await history.forget(channel, marker);
      }
    } else if (behaviour === 'update') {
      throw new RecordRefused(
        'message_not_found: behaviour "update" edits earlier messages only, and this record has none within history_days',
        'message_not_found',
      );
    }
    await this.post(channel, { ...marker, hash: rendered.hash }, rendered);
    return 'posted';
  }

  private async remove(
    marker: Pick<RecordMarker, 'stream' | 'key'>,
    key: Record<string, unknown>,
  ): Promise<MessageAction> {
    const { api, channels, history, onDelete } = this.options;
    const channel = await channels.idOf(this.options.deleteChannel(key));
    const earlier = await history.message(channel, marker);
    if (!earlier) return 'absent';
    if (onDelete === 'strike') {
      if (earlier.hash === STRUCK) return 'struck';
      await this.update(channel, { ...marker, hash: STRUCK }, earlier, struckThrough(earlier.text), undefined);
      return 'struck';
    }
    try {
      await api.call('chat.delete', { channel, ts: earlier.ts });
    } catch (error) {
      if (!(error instanceof SlackCallError && error.error === 'message_not_found')) throw error;
    }
    await history.forget(channel, marker);
    return 'deleted';
  }

  private async update(
    channel: string,
    marker: RecordMarker,
    earlier: PostedMessage,
    text: string,
    blocks: unknown[] | undefined,
  ): Promise<void> {
    await this.options.api.call('chat.update', {
      channel,
      ts: earlier.ts,
      text,
      // An empty list removes blocks the message had; absent would keep them.
      ...(blocks ? { blocks } : earlier.hasBlocks ? { blocks: [] } : {}),
      metadata: recordMetadata(marker),
    });
    await this.options.history.remember(channel, marker, {
      ts: earlier.ts,
      text,
      hash: marker.hash,
      hasBlocks: (blocks?.length ?? 0) > 0,
    });
  }

  /**
   * Posts once. When Slack's answer is lost, the channel is read again for the marker
   * before another attempt: the post may have landed, and posting again would double it.
   */
  private async post(channel: string, marker: RecordMarker, rendered: RenderedMessage): Promise<void> {
    const { api, history, timing, signal, maxRetries, logger } = this.options;
    const started = timing.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await api.call<{ ts?: string }>(
          'chat.postMessage',
          {
            channel,
            text: rendered.text,
            ...(rendered.blocks ? { blocks: rendered.blocks } : {}),
            metadata: recordMetadata(marker),
            unfurl_links: false,
            unfurl_media: false,
          },
          channel,
        );
        await history.remember(channel, marker, {
          ts: answer.ts ?? '',
          text: rendered.text,
          hash: marker.hash,
          hasBlocks: (rendered.blocks?.length ?? 0) > 0,
        });
        // Record keys may be personal data (an e-mail): the log names the stream and channel only.
        logger.debug('chat.postMessage: posted a %s message to %s', marker.stream, channel);
        return;
      } catch (error) {
        if (!(error instanceof OutcomeUnknown)) throw error;
        const landed = await history.findSince(channel, marker, started - RECHECK_MARGIN_MS);
        if (landed) {
          if (landed.hash !== marker.hash) await this.update(channel, marker, landed, rendered.text, rendered.blocks);
          return;
        }
        if (attempt > maxRetries) throw new TransientError(`${error.message}, ${attempt} attempts`);
        await timing.sleep(backoffMs(attempt, timing.random(), 1000), signal);
      }
    }
  }
}
