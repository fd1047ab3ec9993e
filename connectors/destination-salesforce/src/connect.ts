import type { ConnectorSpecification } from '@backflow/protocol';
import { ConfigError, type ConnectorContext, type Timing } from '@backflow/protocol/connector';
import jsforce from 'jsforce';
import { requestSession } from './auth.js';
import type { Config } from './generated/config.js';
import { RequestGate } from './request-gate.js';
import { SalesforceApi } from './salesforce-api.js';
import type { BulkOptions } from './send-bulk.js';
import { settingsOf, type Settings } from './settings.js';
import { SingleAttemptTransport } from './transport.js';

/** The first REST API version with sObject Collections upsert. */
const MIN_API_VERSION = 46;

/**
 * A Salesforce API client for one connector run: a token from the login server, the
 * instance URL from its answer, and a gate that renews the token once on INVALID_SESSION_ID.
 * jsforce's own session refresh stays off (no OAuth2 client on the connection): it retries
 * refreshed 401s without end.
 */
export async function connect(
  ctx: ConnectorContext<Config>,
  spec: ConnectorSpecification,
  timing: Timing,
): Promise<{ api: SalesforceApi; settings: Settings; bulk: BulkOptions }> {
  const settings = settingsOf(ctx.config, spec);
  if (Number(settings.apiVersion) < MIN_API_VERSION)
    throw new ConfigError(
      `api_version ${settings.apiVersion} is too old: sObject Collections upsert needs ${MIN_API_VERSION.toFixed(1)} or later`,
    );
  const session = await requestSession(settings.auth, settings.loginUrl, timing);
  const conn = new jsforce.Connection({
    instanceUrl: session.instanceUrl,
    accessToken: session.accessToken,
    version: settings.apiVersion,
  });
  conn._transport = new SingleAttemptTransport();
  const gate = new RequestGate({
    timing,
    maxRetries: settings.maxRetries,
    logger: ctx.logger,
    signal: ctx.signal,
    renewSession: async () => {
      const renewed = await requestSession(settings.auth, settings.loginUrl, timing);
      conn.accessToken = renewed.accessToken;
      conn.instanceUrl = renewed.instanceUrl;
    },
  });
  const bulk: BulkOptions = {
    timing,
    pollMs: settings.bulkPollMs,
    timeoutMs: settings.bulkTimeoutMs,
    signal: ctx.signal,
  };
  return { api: new SalesforceApi(conn, gate, ctx.logger), settings, bulk };
}
