import type { ConnectorSpecification } from '@backflow/protocol';
import type { ConnectorContext } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';
import { HubSpotApi } from './hubspot-api.js';
import { RequestGate } from './request-gate.js';
import { RollingWindow } from '@backflow/protocol/connector';
import { settingsOf, type Settings } from './settings.js';
import type { Timing } from '@backflow/protocol/connector';

/** A HubSpot API client for one connector run, paced by the config's rate limit. */
export function connect(
  ctx: ConnectorContext<Config>,
  spec: ConnectorSpecification,
  timing: Timing,
): { api: HubSpotApi; settings: Settings } {
  const settings = settingsOf(ctx.config, spec);
  const window = new RollingWindow(settings.maxRequestsPerWindow, settings.windowMs, timing);
  const gate = new RequestGate({
    window,
    timing,
    maxRetries: settings.maxRetries,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  return { api: new HubSpotApi({ accessToken: settings.accessToken, basePath: settings.basePath }, gate), settings };
}
