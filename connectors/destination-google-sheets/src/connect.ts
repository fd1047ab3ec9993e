import type { ConnectorSpecification } from '@backflow/protocol';
import { RollingWindow, type ConnectorContext, type Timing } from '@backflow/protocol/connector';
import type { AuthClient } from 'google-auth-library';
import { authClientFor } from './auth-client.js';
import type { Config } from './generated/config.js';
import { RequestGate } from './request-gate.js';
import { settingsOf } from './settings.js';
import { SheetsApi } from './sheets-api.js';

const MINUTE_MS = 60_000;

/** A Sheets client for one connector run, paced by the config's per-minute quotas. */
export function connect(
  ctx: ConnectorContext<Config>,
  spec: ConnectorSpecification,
  timing: Timing,
  authFor: (settings: ReturnType<typeof settingsOf>) => AuthClient = authClientFor,
): SheetsApi {
  const settings = settingsOf(ctx.config, spec);
  const gate = new RequestGate({
    windows: {
      read: new RollingWindow(settings.readsPerMinute, MINUTE_MS, timing),
      write: new RollingWindow(settings.writesPerMinute, MINUTE_MS, timing),
    },
    timing,
    maxRetries: settings.maxRetries,
    logger: ctx.logger,
    signal: ctx.signal,
    spreadsheetId: settings.spreadsheetId,
  });
  return new SheetsApi(authFor(settings), settings.apiRoot, gate, settings.spreadsheetId);
}
