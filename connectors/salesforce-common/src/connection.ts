import type { Logger, Timing } from '@backflow/protocol/connector';
import jsforce, { type Connection } from 'jsforce';
import { requestSession, type Authentication } from './auth.js';
import { RequestGate } from './request-gate.js';
import { SingleAttemptTransport } from './transport.js';

export interface ConnectionOptions {
  readonly auth: Authentication;
  readonly loginUrl: string;
  readonly apiVersion: string;
  readonly maxRetries: number;
  readonly timing: Timing;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * A jsforce connection for one connector run: a token from the login server, the instance
 * URL from its answer, and a gate that renews the token once on INVALID_SESSION_ID. jsforce's
 * own session refresh stays off (no OAuth2 client on the connection): it retries refreshed
 * 401s without end.
 */
export async function openConnection(options: ConnectionOptions): Promise<{ conn: Connection; gate: RequestGate }> {
  const { auth, loginUrl, timing } = options;
  const session = await requestSession(auth, loginUrl, timing);
  const conn = new jsforce.Connection({
    instanceUrl: session.instanceUrl,
    accessToken: session.accessToken,
    version: options.apiVersion,
  });
  conn._transport = new SingleAttemptTransport();
  const gate = new RequestGate({
    timing,
    maxRetries: options.maxRetries,
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
    renewSession: async () => {
      const renewed = await requestSession(auth, loginUrl, timing);
      conn.accessToken = renewed.accessToken;
      conn.instanceUrl = renewed.instanceUrl;
    },
  });
  return { conn, gate };
}
