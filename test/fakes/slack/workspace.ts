/** A channel of the fake workspace. */
export interface FakeChannel {
  id: string;
  name: string;
  /** Whether the app's bot user is a member (posting into a channel it is not in fails). */
  is_member: boolean;
  is_archived?: boolean;
  is_private?: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  email: string;
}

/** A message as Slack stores it and returns it from conversations.history. */
export interface StoredMessage {
  type: 'message';
  ts: string;
  text: string;
  user: string;
  bot_id?: string;
  team: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export const TEAM_ID = 'T0BACKFLOW';
export const BOT_USER_ID = 'U0BACKFLOWBOT';
export const BOT_ID = 'B0BACKFLOW01';

/** Channels, users and messages, with Slack's message timestamps (`<epoch seconds>.<6 digits>`, unique, increasing). */
export class Workspace {
  readonly channels: FakeChannel[];
  readonly users: FakeUser[];
  readonly messages = new Map<string, StoredMessage[]>();
  private lastTs = 0;

  constructor(channels: FakeChannel[], users: FakeUser[]) {
    this.channels = channels.map((channel) => ({ ...channel }));
    this.users = users.map((user) => ({ ...user }));
    for (const channel of this.channels) this.messages.set(channel.id, []);
  }

  /** A channel by ID, or by name (`#name` or `name`), as chat.postMessage accepts both. */
  channel(idOrName: string): FakeChannel | undefined {
    const name = idOrName.replace(/^#/, '');
    return this.channels.find((channel) => channel.id === idOrName || channel.name === name);
  }

  nextTs(nowMs: number): string {
    // Microsecond resolution from the clock, bumped so two messages never share a ts.
    this.lastTs = Math.max(this.lastTs + 1, nowMs * 1000);
    const seconds = Math.floor(this.lastTs / 1_000_000);
    return `${seconds}.${String(this.lastTs % 1_000_000).padStart(6, '0')}`;
  }

  /** Messages of a channel, oldest first. */
  history(channelId: string): StoredMessage[] {
    return this.messages.get(channelId) ?? [];
  }

  /** A human (not the app) posts into a channel. */
  postAsHuman(channelId: string, text: string, nowMs: number): StoredMessage {
    const message: StoredMessage = { type: 'message', ts: this.nextTs(nowMs), text, user: 'U0HUMAN001', team: TEAM_ID };
    this.history(channelId).push(message);
    return message;
  }
}
