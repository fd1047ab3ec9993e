import {
  defineDestination,
  loadSpec,
  systemTiming,
  type DestinationDefinition,
  type Timing,
} from '@backflow/protocol/connector';
import { checkConnection } from './check.js';
import { connect } from './connect.js';
import type { Config } from './generated/config.js';
import { openSheetsWriter } from './open-writer.js';

export type { Config } from './generated/config.js';
export type { Timing } from '@backflow/protocol/connector';

export interface GoogleSheetsDestinationOptions {
  /** Clock, sleeps and jitter; tests pass a virtual clock so quotas and backoff cost no real time. */
  timing?: Timing;
}

/** The Google Sheets destination with injected timing. */
export function createGoogleSheetsDestination(
  options: GoogleSheetsDestinationOptions = {},
): DestinationDefinition<Config> {
  const spec = loadSpec(import.meta.url, '../spec.json');
  const timing = options.timing ?? systemTiming;
  return defineDestination<Config>({
    spec,
    check: (ctx) => checkConnection(connect(ctx, spec, timing)),
    open: (ctx) => openSheetsWriter(connect(ctx, spec, timing), ctx.catalog, ctx.logger),
  });
}

/** Writes streams into sheets of a Google spreadsheet, row by row, keeping people's notes beside them. */
export const destination = createGoogleSheetsDestination();
