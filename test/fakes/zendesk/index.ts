import { randomBytes } from 'node:crypto';
import { CallLog } from './call-log.js';
import { JobQueue } from './jobs.js';
import { listen, MinuteLimiter, type InjectedFailure } from './server.js';
import { ZendeskStore } from './store.js';

export interface ZendeskFakeOptions {
  /** Clock in epoch milliseconds, for the per-minute limit and timestamps. */
  now?: () => number;
  /** Requests per minute before 429 (Zendesk Enterprise: 700). */
  rateLimit?: number;
  /** Polls of a job until it completes: the first makes it `working`. */
  pollsToComplete?: number;
  /** Milliseconds every answer is held before it is sent, after it was counted (real Zendesk answers in 100–500 ms). */
  latencyMs?: number;
}

/** A running fake Zendesk Support API. */
export interface ZendeskFake {
  /** Base URL for the connector's `base_url`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The admin the credentials belong to. */
  email: string;
  apiToken: string;
  oauthToken: string;
  adminId: number;
  store: ZendeskStore;
  calls: CallLog;
  limiter: MinuteLimiter;
  /** Answers the next matching request(s) with this status instead of handling them. */
  failNext(failure: InjectedFailure): void;
  /** The next job to complete fails as a whole with this message, applying nothing. */
  failNextJob(message: string): void;
  close(): Promise<void>;
}

/** Starts a fake Zendesk Support API on 127.0.0.1 with an ephemeral port. */
export async function startZendeskFake(options: ZendeskFakeOptions = {}): Promise<ZendeskFake> {
  const now = options.now ?? Date.now;
  const store = new ZendeskStore(now);
  const email = 'admin@backflow.example';
  const [admin] = store.seed('users', [{ name: 'Fake Admin', email, role: 'admin' }]);
  const apiToken = randomBytes(16).toString('hex');
  const oauthToken = randomBytes(24).toString('hex');
  const calls = new CallLog();
  const limiter = new MinuteLimiter(options.rateLimit ?? 700, now);
  const jobs = new JobQueue(store, options.pollsToComplete ?? 2);
  const authorizations = new Set([
    `Basic ${Buffer.from(`${email}/token:${apiToken}`).toString('base64')}`,
    `Bearer ${oauthToken}`,
  ]);
  const failures: InjectedFailure[] = [];
  const { server, url } = await listen({
    store,
    jobs,
    calls,
    limiter,
    now,
    authorizations,
    failures,
    agentId: () => admin!.id,
    latencyMs: options.latencyMs ?? 0,
  });
  return {
    url,
    email,
    apiToken,
    oauthToken,
    adminId: admin!.id,
    store,
    calls,
    limiter,
    failNext: (failure) => failures.push(failure),
    failNextJob: (message) => jobs.failing.push(message),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export type { CallLog, FakeCall } from './call-log.js';
export type { InjectedFailure } from './server.js';
export type { FakeField, Kind, ZendeskStore, ZRecord } from './store.js';
