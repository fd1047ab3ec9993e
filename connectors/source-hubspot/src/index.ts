import { defineSource, loadSpec, systemTiming, type ConnectorContext, type Timing } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';
import { HubSpotReader } from './hubspot-reader.js';
import { readObject } from './read-stream.js';
import { settingsOf } from './settings.js';
import { cursorPropertyOf, streamOf } from './stream-schema.js';

export { SEARCH_WINDOW, type CursorState } from './read-stream.js';

const spec = loadSpec(import.meta.url, '../spec.json');

function connect(ctx: ConnectorContext<Config>, timing: Timing) {
  const settings = settingsOf(ctx.config, spec);
  const reader = new HubSpotReader(
    { accessToken: settings.accessToken, basePath: settings.basePath },
    { searchesPerSecond: settings.searchesPerSecond, maxRetries: settings.maxRetries },
    timing,
    ctx.logger,
    ctx.signal,
  );
  return { settings, reader };
}

/** The source on a given clock (tests inject a virtual one). */
export function createHubSpotSource(options: { timing?: Timing } = {}) {
  const timing = options.timing ?? systemTiming;
  return defineSource<Config>({
    spec,
    async check(ctx) {
      const { settings, reader } = connect(ctx, timing);
      for (const objectType of settings.objectTypes) await reader.properties(objectType);
      return { ok: true, message: `can read ${settings.objectTypes.join(', ')}` };
    },
    async discover(ctx) {
      const { settings, reader } = connect(ctx, timing);
      const streams = [];
      for (const objectType of settings.objectTypes)
        streams.push(streamOf(objectType, await reader.properties(objectType)));
      return { streams };
    },
    async *read(ctx, { stream, state }) {
      const { settings, reader } = connect(ctx, timing);
      const objectType = stream.stream.name;
      // The catalog may select fewer properties than the object has; the key and the cursor are always read.
      const selected = Object.keys((stream.stream.json_schema.properties as object | undefined) ?? {});
      const all = await reader.properties(objectType);
      const cursor = cursorPropertyOf(all);
      const properties =
        selected.length === 0
          ? all
          : all.filter((p) => selected.includes(p.name) || p.name === cursor || p.name === 'hs_object_id');
      yield* readObject(reader, {
        objectType,
        properties,
        pageSize: settings.pageSize,
        incremental: stream.sync_mode === 'incremental',
        state,
      });
    },
  });
}

/** Reads HubSpot CRM objects through the search API: full refresh, or incremental by last-modified date. */
export const source = createHubSpotSource();
