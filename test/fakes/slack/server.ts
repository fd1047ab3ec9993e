import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blocksProblem } from './blocks.js';
import { RateLimits } from './rate-limits.js';
import {
  BOT_ID,
  BOT_USER_ID,
  TEAM_ID,
  Workspace,
  type FakeChannel,
  type FakeUser,
  type StoredMessage,
} from './workspace.js';

/** Text longer than this is refused with `msg_too_long` (chat.postMessage docs). */
export const MAX_TEXT = 40_000;
const HISTORY_DEFAULT_LIMIT = 100;
const HISTORY_MAX_LIMIT = 999;
const LIST_DEFAULT_LIMIT = 100;
const LIST_MAX_LIMIT = 1000;

/** A failure injected into the next call of a method. */
export type SlackFailure =
  | { kind: 'http'; status: number; retryAfter?: number }
  | { kind: 'error'; error: string }
  /** The call takes effect, then the connection drops before the answer: the caller cannot know. */
  | { kind: 'drop-after-apply' };

export interface SlackFakeOptions {
  /** The bot token every call must carry (Authorization: Bearer, or a `token` argument). */
  token: string;
  channels?: FakeChannel[];
  users?: FakeUser[];
  /** Epoch milliseconds; tests pass the connector's virtual clock so rate limits use it too. */
  now?: () => number;
  /** Turn off rate limiting (for tests about something else). */
  rateLimits?: boolean;
  /** Milliseconds every answer is held before it is sent, after it was counted (real Slack answers in 100–500 ms). */
  latencyMs?: number;
}

/** One call as received: its Web API method, arguments, headers and the answer given. */
export interface SlackCall {
  method: string;
  httpMethod: string;
  contentType: string;
  args: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  status: number;
  response: unknown;
  at: number;
}

export interface SlackFake {
  /** The `slackApiUrl` to give `@slack/web-api` (ends with `/api/`). */
  readonly url: string;
  readonly workspace: Workspace;
  readonly calls: SlackCall[];
  /** Messages of a channel (ID or name), oldest first. */
  messages(channel: string): StoredMessage[];
  failNext(method: string, failure: SlackFailure, times?: number): void;
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };
type Handler = (args: Args, now: number) => Answer;

/** Starts a Slack Web API fake on 127.0.0.1 (port 0). */
export async function startSlackFake(options: SlackFakeOptions): Promise<SlackFake> {
  const now = options.now ?? Date.now;
  const workspace = new Workspace(
    options.channels ?? [{ id: 'C0SUPPORT01', name: 'support', is_member: true }],
    options.users ?? [],
  );
  const limits = new RateLimits(options.rateLimits ?? true);
  const latencyMs = options.latencyMs ?? 0;
  const failures: { method: string; failure: SlackFailure }[] = [];
  const calls: SlackCall[] = [];
  const handlers = methodHandlers(workspace);

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const args = parseArgs(req, raw, contentType);
    const at = now();
    const answer = decide(method, req, args, at);
    const status = answer === 'drop' ? 0 : (answer.status ?? 200);
    calls.push({
      method,
      httpMethod: req.method ?? 'GET',
      contentType,
      args,
      headers: req.headers,
      status,
      response: answer === 'drop' ? undefined : answer.body,
      at,
    });
    if (answer === 'drop') {
      req.socket.destroy();
      return;
    }
    const send = () => {
      res.statusCode = status;
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(answer.body));
    };
    if (latencyMs > 0) setTimeout(send, latencyMs);
    else send();
  };

  const decide = (method: string, req: IncomingMessage, args: Args, at: number): Answer | 'drop' => {
    const handler = handlers[method];
    if (!handler) return { status: 404, body: { ok: false, error: 'unknown_method' } };
    const token = bearer(req.headers.authorization) ?? (typeof args.token === 'string' ? args.token : undefined);
    if (token === undefined) return { body: { ok: false, error: 'not_authed' } };
    if (token !== options.token) return { body: { ok: false, error: 'invalid_auth' } };
    const index = failures.findIndex((f) => f.method === method);
    const injected = index >= 0 ? failures.splice(index, 1)[0]!.failure : undefined;
    if (injected?.kind === 'http') {
      const headers: Record<string, string> =
        injected.retryAfter !== undefined ? { 'Retry-After': String(injected.retryAfter) } : {};
      const error = injected.status === 429 ? 'ratelimited' : 'internal_error';
      return { status: injected.status, headers, body: { ok: false, error } };
    }
    if (injected?.kind === 'error') return { body: { ok: false, error: injected.error } };
    const retryAfter = limits.admit(method, channelOf(workspace, method, args), at);
    if (retryAfter !== undefined) {
      return { status: 429, headers: { 'Retry-After': String(retryAfter) }, body: { ok: false, error: 'ratelimited' } };
    }
    const answer = handler(args, at);
    if (injected?.kind === 'drop-after-apply') return 'drop';
    return answer;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    workspace,
    calls,
    messages: (channel) => workspace.history(workspace.channel(channel)?.id ?? channel),
    failNext: (method, failure, times = 1) => {
      for (let i = 0; i < times; i++) failures.push({ method, failure });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function methodHandlers(workspace: Workspace): Record<string, Handler> {
  const ok = (body: Record<string, unknown>): Answer => ({ body: { ok: true, ...body } });
  const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({
    body: { ok: false, error, ...extra },
  });

  /** Channel checks shared by the chat.* methods. */
  const writable = (args: Args): FakeChannel | Answer => {
    const channel = typeof args.channel === 'string' ? workspace.channel(args.channel) : undefined;
    if (!channel) return fail('channel_not_found');
    if (channel.is_archived) return fail('is_archived');
    if (!channel.is_member) return fail('not_in_channel');
    return channel;
  };
  /** text/blocks/metadata checks shared by chat.postMessage and chat.update. */
  const content = (args: Args): Omit<StoredMessage, 'type' | 'ts' | 'user' | 'team'> | Answer => {
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = parseJson(args.blocks);
    if (blocks === INVALID) return fail('invalid_blocks_format');
    if (text === '' && (blocks === undefined || (Array.isArray(blocks) && blocks.length === 0))) return fail('no_text');
    if (text.length > MAX_TEXT) return fail('msg_too_long');
    if (blocks !== undefined) {
      const problem = blocksProblem(blocks);
      if (problem) return fail('invalid_blocks', { response_metadata: { messages: [problem] } });
    }
    const metadata = parseJson(args.metadata);
    if (metadata === INVALID || (metadata !== undefined && !isMetadata(metadata)))
      return fail('invalid_metadata_format');
    return {
      text,
      bot_id: BOT_ID,
      ...(Array.isArray(blocks) ? { blocks } : {}),
      ...(metadata ? { metadata } : {}),
    } as Omit<StoredMessage, 'type' | 'ts' | 'user' | 'team'>;
  };
  const isAnswer = (value: unknown): value is Answer => typeof value === 'object' && value !== null && 'body' in value;
  const find = (channel: FakeChannel, ts: unknown) =>
    workspace.history(channel.id).findIndex((message) => message.ts === ts);

  return {
    'auth.test': () =>
      ok({
        url: 'https://backflow-test.slack.com/',
        team: 'Backflow Test',
        user: 'backflow',
        team_id: TEAM_ID,
        user_id: BOT_USER_ID,
        bot_id: BOT_ID,
        is_enterprise_install: false,
      }),

    'chat.postMessage': (args, now) => {
      const channel = writable(args);
      if (isAnswer(channel)) return channel;
      const body = content(args);
      if (isAnswer(body)) return body;
      const message: StoredMessage = {
        type: 'message',
        ts: workspace.nextTs(now),
        user: BOT_USER_ID,
        team: TEAM_ID,
        ...body,
      };
      workspace.history(channel.id).push(message);
      return ok({ channel: channel.id, ts: message.ts, message: withoutMetadata(message) });
    },

    'chat.update': (args) => {
      const channel =
        typeof args.channel === 'string' ? workspace.channels.find((c) => c.id === args.channel) : undefined;
      if (!channel) return fail('channel_not_found');
      const index = find(channel, args.ts);
      if (index < 0) return fail('message_not_found');
      const stored = workspace.history(channel.id)[index]!;
      if (stored.bot_id !== BOT_ID) return fail('cant_update_message');
      const body = content(args);
      if (isAnswer(body)) return body;
      // chat.update replaces the text; blocks and metadata are kept unless new ones are
      // given, and `blocks=[]` removes them (chat.update docs).
      const updated: StoredMessage = {
        ...stored,
        text: body.text,
        ...(body.metadata ? { metadata: body.metadata } : {}),
      };
      if (body.blocks && body.blocks.length > 0) updated.blocks = body.blocks;
      else if (body.blocks) delete updated.blocks;
      workspace.history(channel.id)[index] = updated;
      return ok({ channel: channel.id, ts: stored.ts, text: updated.text, message: { text: updated.text } });
    },

    'chat.delete': (args) => {
      const channel =
        typeof args.channel === 'string' ? workspace.channels.find((c) => c.id === args.channel) : undefined;
      if (!channel) return fail('channel_not_found');
      const index = find(channel, args.ts);
      if (index < 0) return fail('message_not_found');
      if (workspace.history(channel.id)[index]!.bot_id !== BOT_ID) return fail('cant_delete_message');
      workspace.history(channel.id).splice(index, 1);
      return ok({ channel: channel.id, ts: String(args.ts) });
    },

    'conversations.history': (args) => {
      const channel =
        typeof args.channel === 'string' ? workspace.channels.find((c) => c.id === args.channel) : undefined;
      if (!channel || (channel.is_private && !channel.is_member)) return fail('channel_not_found');
      // A bot reads only the history of channels it is in.
      if (!channel.is_member) return fail('not_in_channel');
      const limit = clampLimit(args.limit, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT);
      const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
      const oldest = args.oldest === undefined ? undefined : Number(args.oldest);
      const latest = args.latest === undefined ? undefined : Number(args.latest);
      const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
      const matching = workspace
        .history(channel.id)
        .filter((m) => oldest === undefined || (inclusive ? Number(m.ts) >= oldest : Number(m.ts) > oldest))
        .filter((m) => latest === undefined || (inclusive ? Number(m.ts) <= latest : Number(m.ts) < latest))
        .reverse();
      const start = cursorOffset(args.cursor);
      if (start === undefined) return fail('invalid_cursor');
      const page = matching.slice(start, start + limit);
      const hasMore = start + limit < matching.length;
      return ok({
        messages: page.map((m) => (withMetadata ? m : withoutMetadata(m))),
        has_more: hasMore,
        pin_count: 0,
        channel_actions_ts: null,
        channel_actions_count: 0,
        response_metadata: { next_cursor: hasMore ? encodeCursor(start + limit) : '' },
      });
    },

    'conversations.list': (args) => {
      const types = String(args.types ?? 'public_channel').split(',');
      const excludeArchived = args.exclude_archived === true || args.exclude_archived === 'true';
      const limit = clampLimit(args.limit, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT);
      const matching = workspace.channels
        .filter((c) => types.includes(c.is_private ? 'private_channel' : 'public_channel'))
        .filter((c) => !(excludeArchived && c.is_archived))
        .filter((c) => !c.is_private || c.is_member);
      const start = cursorOffset(args.cursor);
      if (start === undefined) return fail('invalid_cursor');
      const hasMore = start + limit < matching.length;
      return ok({
        channels: matching.slice(start, start + limit).map(conversation),
        response_metadata: { next_cursor: hasMore ? encodeCursor(start + limit) : '' },
      });
    },

    'conversations.info': (args) => {
      const channel =
        typeof args.channel === 'string' ? workspace.channels.find((c) => c.id === args.channel) : undefined;
      if (!channel || (channel.is_private && !channel.is_member)) return fail('channel_not_found');
      return ok({ channel: conversation(channel) });
    },

    'users.lookupByEmail': (args) => {
      const email = String(args.email ?? '').toLowerCase();
      const user = workspace.users.find((u) => u.email.toLowerCase() === email);
      if (!user) return fail('users_not_found');
      return ok({
        user: {
          id: user.id,
          team_id: TEAM_ID,
          name: user.name,
          is_bot: false,
          is_app_user: false,
          updated: 1700000000,
          profile: { email: user.email, real_name: user.name, display_name: user.name },
        },
      });
    },
  };
}

function conversation(channel: FakeChannel): Record<string, unknown> {
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    created: 1700000000,
    creator: 'U0HUMAN001',
    is_archived: channel.is_archived ?? false,
    is_channel: !channel.is_private,
    is_group: false,
    is_general: false,
    is_im: false,
    is_mpim: false,
    is_private: channel.is_private ?? false,
    is_shared: false,
    is_org_shared: false,
    is_member: channel.is_member,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

function withoutMetadata(message: StoredMessage): Omit<StoredMessage, 'metadata'> {
  const { metadata: _metadata, ...rest } = message;
  return rest;
}

function channelOf(workspace: Workspace, method: string, args: Args): string | undefined {
  if (method !== 'chat.postMessage' || typeof args.channel !== 'string') return undefined;
  return workspace.channel(args.channel)?.id ?? args.channel;
}

/** Arguments from the query string, a form body or a JSON body, as Slack accepts all three. */
function parseArgs(req: IncomingMessage, raw: string, contentType: string): Args {
  const args: Args = Object.fromEntries(new URL(req.url ?? '/', 'http://fake').searchParams);
  if (contentType === 'application/json' && raw !== '') {
    try {
      Object.assign(args, JSON.parse(raw) as Args);
    } catch {
      args.__invalid_json = true;
    }
  } else if (raw !== '') {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
  }
  return args;
}

const INVALID = Symbol('invalid');

/** Form arguments carry blocks and metadata as JSON strings; JSON bodies as values. */
function parseJson(value: unknown): unknown {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return INVALID;
  }
}

function isMetadata(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { event_type: type, event_payload: payload } = value as Record<string, unknown>;
  return typeof type === 'string' && type !== '' && typeof payload === 'object' && payload !== null;
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

function clampLimit(value: unknown, fallback: number, max: number): number {
  const n = value === undefined ? fallback : Number(value);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
}

// Opaque to clients, like Slack's base64 cursors.
function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function cursorOffset(cursor: unknown): number | undefined {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(String(cursor), 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}
