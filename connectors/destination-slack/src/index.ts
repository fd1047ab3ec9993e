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
import { openSlackWriter } from './open-writer.js';

export type { Config } from './generated/config.js';
export type { Timing } from '@backflow/protocol/connector';
export { DIGEST_EVENT, RECORD_EVENT } from './markers.js';
export { createSlackPoster, type SlackPoster, type SlackPosterOptions } from './slack-poster.js';

export interface SlackDestinationOptions {
  /** Clock, sleeps and jitter; tests pass a virtual clock so pacing and backoff cost no real time. */
  timing?: Timing;
}

/** The Slack destination with injected timing. */
export function createSlackDestination(options: SlackDestinationOptions = {}): DestinationDefinition<Config> {
  const spec = loadSpec(import.meta.url, '../spec.json');
  const timing = options.timing ?? systemTiming;
  return defineDestination<Config>({
    spec,
    check: (ctx) => checkConnection(connect(ctx, spec, timing)),
    open: (ctx) => openSlackWriter(connect(ctx, spec, timing), ctx.catalog, timing, ctx.logger, ctx.signal),
  });
}

/** Posts records to Slack: a message per record kept in step with the model, or a digest per run. */
export const destination = createSlackDestination();
