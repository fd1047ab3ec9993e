import type { ConnectorSpecification } from '@backflow/protocol';
import { ConfigError, type ConnectorContext, type Timing } from '@backflow/protocol/connector';
import { openConnection } from '@backflow/salesforce-common';
import type { Config } from './generated/config.js';
import { SalesforceApi } from './salesforce-api.js';
import type { BulkOptions } from './send-bulk.js';
import { settingsOf, type Settings } from './settings.js';

/** The first REST API version with sObject Collections upsert. */
const MIN_API_VERSION = 46;

/** A Salesforce API client for one connector run (see `openConnection`). */
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
  const { conn, gate } = await openConnection({
    auth: settings.auth,
    loginUrl: settings.loginUrl,
    apiVersion: settings.apiVersion,
    maxRetries: settings.maxRetries,
    timing,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  const bulk: BulkOptions = {
    timing,
    pollMs: settings.bulkPollMs,
    timeoutMs: settings.bulkTimeoutMs,
    signal: ctx.signal,
  };
  return { api: new SalesforceApi(conn, gate, ctx.logger), settings, bulk };
}
