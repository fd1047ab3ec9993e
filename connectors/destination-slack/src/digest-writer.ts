import { MAX_TEXT_LENGTH } from './limits.js';
import type { ChannelHistory } from './channel-history.js';
import type { Channels } from './channels.js';
import { digestMetadata } from './markers.js';
import { shortHash, type Renderer } from './render.js';
import type { Settings } from './settings.js';
import type { SlackApi } from './slack-api.js';
import { TransientError, backoffMs, type IncomingRecord, type Timing } from '@backflow/protocol/connector';
import { OutcomeUnknown } from './slack-errors.js';

/** Most lines in one digest message: past it, a run continues in a new message. */
export const MAX_DIGEST_LINES = 100;
/** A longer line is cut, so that one record cannot make a digest too long to post. */
const MAX_LINE_LENGTH = 3000;
/** How far before a post with an unknown outcome the channel is read again (clock skew). */
const RECHECK_MARGIN_MS = 5 * 60_000;

interface OpenDigest {
  ts: string | undefined;
  lines: string[];
  entries: string[];
}

/** A line waiting to be added to a channel's digest, with the record's index in its batch. */
export interface DigestLine {
  readonly index: number;
  readonly channel: string;
  readonly line: string;
  readonly entry: string;
}

/**
 * One digest message per channel per run, listing a line per record. Each batch's lines
 * are added at once (posted the first time, then the message is edited), so a checkpoint
 * always covers lines already in Slack. Every line's entry — a hash of the record's key
 * and line — travels in the digest's metadata; a record resent after a crash whose line
 * a digest already holds is skipped, never listed twice.
 */
export class DigestWriter {
  private readonly open = new Map<string, OpenDigest>();

  constructor(
    private readonly api: SlackApi,
    private readonly channels: Channels,
    private readonly history: ChannelHistory,
    private readonly renderer: Renderer,
    private readonly settings: Settings,
    private readonly timing: Timing,
    private readonly signal: AbortSignal,
  ) {}

  /** The line of one record, or undefined when a digest of the channel already lists it. */
  async lineOf(stream: string, index: number, record: IncomingRecord): Promise<DigestLine | undefined> {
    const rendered = await this.renderer.render(record.data);
    const channel = await this.channels.idOf(rendered.channel);
    const flat = rendered.text.replace(/\n+/g, ' ');
    const line = flat.length > MAX_LINE_LENGTH ? `${flat.slice(0, MAX_LINE_LENGTH - 1)}…` : flat;
    const entry = shortHash([JSON.stringify(record.key), line]);
    if ((await this.history.digestEntries(channel, stream)).has(entry)) return undefined;
    return { index, channel, line, entry };
  }

  /** Adds a channel's lines to its open digest (or to new ones when it is full). */
  async add(stream: string, channel: string, lines: readonly DigestLine[]): Promise<void> {
    const posted = await this.history.digestEntries(channel, stream);
    let digest = this.open.get(channel) ?? { ts: undefined, lines: [], entries: [] };
    const pending = lines.filter((line) => !posted.has(line.entry));
    while (pending.length > 0) {
      const next: OpenDigest = { ts: digest.ts, lines: [...digest.lines], entries: [...digest.entries] };
      while (pending.length > 0 && this.fits(next, pending[0]!.line)) {
        const line = pending.shift()!;
        next.lines.push(line.line);
        next.entries.push(line.entry);
      }
      if (next.lines.length === digest.lines.length) {
        // Full: the run goes on in a new digest message.
        digest = { ts: undefined, lines: [], entries: [] };
        continue;
      }
      const ts = await this.send(stream, channel, next);
      for (const entry of next.entries) posted.add(entry);
      // A digest whose post answer was lost cannot be edited: the next lines start another.
      digest = ts === undefined ? { ts: undefined, lines: [], entries: [] } : { ...next, ts };
      this.open.set(channel, digest);
    }
  }

  private fits(digest: OpenDigest, line: string): boolean {
    if (digest.lines.length >= MAX_DIGEST_LINES) return false;
    const length = this.text({ ...digest, lines: [...digest.lines, line] }).length;
    return length <= MAX_TEXT_LENGTH;
  }

  private text(digest: OpenDigest): string {
    return [this.settings.digestTitle.render({ count: digest.lines.length }), ...digest.lines].join('\n');
  }

  private async send(stream: string, channel: string, digest: OpenDigest): Promise<string | undefined> {
    const args = {
      channel,
      text: this.text(digest),
      metadata: digestMetadata({ stream, entries: digest.entries }),
    };
    if (digest.ts !== undefined) {
      await this.api.call('chat.update', { ...args, ts: digest.ts });
      return digest.ts;
    }
    const started = this.timing.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.api.call<{ ts?: string }>(
          'chat.postMessage',
          { ...args, unfurl_links: false, unfurl_media: false },
          channel,
        );
        return answer.ts;
      } catch (error) {
        if (!(error instanceof OutcomeUnknown)) throw error;
        // The answer was lost: if the digest landed, its entries are in the channel now.
        await this.history.refresh(channel, started - RECHECK_MARGIN_MS);
        const posted = await this.history.digestEntries(channel, stream);
        if (digest.entries.every((entry) => posted.has(entry))) return undefined;
        if (attempt > this.settings.maxRetries) throw new TransientError(`${error.message}, ${attempt} attempts`);
        await this.timing.sleep(backoffMs(attempt, this.timing.random(), 1000), this.signal);
      }
    }
  }
}
