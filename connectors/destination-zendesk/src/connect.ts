import type { ConnectorSpecification } from '@backflow/protocol';
import type { ConnectorContext, Timing } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';
import { MinuteBudget } from './minute-budget.js';
import { settingsOf, type Settings } from './settings.js';
import { ZendeskClient } from './zendesk-client.js';

/** A Zendesk client for one connector run, paced by the config's per-minute budget. */
export function connect(
  ctx: ConnectorContext<Config>,
  spec: ConnectorSpecification,
  timing: Timing,
): { client: ZendeskClient; settings: Settings } {
  const settings = settingsOf(ctx.config, spec);
  const client = new ZendeskClient({
    baseUrl: settings.baseUrl,
    authorization: settings.authorization,
    budget: new MinuteBudget(settings.requestsPerMinute, timing),
    timing,
    maxRetries: settings.maxRetries,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  return { client, settings };
}
