import type { AirbyteStream } from '@backflow/protocol';
import {
  ConfigError,
  defineSource,
  loadSpec,
  systemTiming,
  type ConnectorContext,
  type Timing,
} from '@backflow/protocol/connector';
import { openConnection } from '@backflow/salesforce-common';
import type { Config } from './generated/config.js';
import { readObject } from './read-object.js';
import { SalesforceReader } from './salesforce-reader.js';
import { settingsOf } from './settings.js';
import { CURSOR, ID, readableFields, streamOf } from './stream-schema.js';

const spec = loadSpec(import.meta.url, '../spec.json');

/** The first REST API version with Bulk API 2.0 query jobs. */
const MIN_API_VERSION = 47;

async function connect(ctx: ConnectorContext<Config>, timing: Timing) {
  const settings = settingsOf(ctx.config, spec);
  if (Number(settings.apiVersion) < MIN_API_VERSION)
    throw new ConfigError(
      `api_version ${settings.apiVersion} is too old: Bulk API 2.0 query jobs need ${MIN_API_VERSION.toFixed(1)} or later`,
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
  return { settings, reader: new SalesforceReader(conn, gate) };
}

/** The source on a given clock (tests inject a virtual one). */
export function createSalesforceSource(options: { timing?: Timing } = {}) {
  const timing = options.timing ?? systemTiming;
  return defineSource<Config>({
    spec,
    async check(ctx) {
      const { settings, reader } = await connect(ctx, timing);
      for (const object of settings.objects) await reader.describe(object);
      return { ok: true, message: `can read ${settings.objects.join(', ')}` };
    },
    async discover(ctx) {
      const { settings, reader } = await connect(ctx, timing);
      const streams: AirbyteStream[] = [];
      for (const object of settings.objects) streams.push(streamOf(object, await reader.describe(object)));
      return { streams };
    },
    async *read(ctx, { stream, state }) {
      const { settings, reader } = await connect(ctx, timing);
      const object = stream.stream.name;
      const incremental = stream.sync_mode === 'incremental';
      const includeDeleted = incremental && settings.includeDeleted;
      // The catalog may select fewer fields than the object has; the key, the cursor and (for deletes) IsDeleted are always read.
      const selected = Object.keys((stream.stream.json_schema.properties as object | undefined) ?? {});
      const always = [ID, CURSOR, ...(includeDeleted ? ['IsDeleted'] : [])];
      const fields = readableFields(await reader.describe(object)).filter(
        (f) => selected.length === 0 || selected.includes(f.name) || always.includes(f.name),
      );
      yield* readObject(reader, {
        object,
        fields,
        incremental,
        includeDeleted,
        state,
        bulkThreshold: settings.bulkThreshold,
        bulkPageRecords: settings.bulkPageRecords,
        polling: { timing, pollMs: settings.bulkPollMs, timeoutMs: settings.bulkTimeoutMs, signal: ctx.signal },
        logger: ctx.logger,
      });
    },
  });
}

/** Reads Salesforce sObjects with SOQL: full refresh, or incremental by SystemModstamp; Bulk API 2.0 for large reads. */
export const source = createSalesforceSource();
