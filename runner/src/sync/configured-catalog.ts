import {
  destinationSyncModeFor,
  type AirbyteCatalog,
  type AirbyteStream,
  type ConfiguredAirbyteCatalog,
  type ConfiguredAirbyteStream,
} from '@backflow/protocol';
import { ConfigurationError } from '../errors.js';
import type { StreamSettings } from '../generated/connection.js';

/**
 * The catalog both connectors receive: each stream the connection file lists, matched to
 * what the source discovered, with the sync mode, cursor, keys and reverse-ETL behaviour.
 */
export function configureCatalog(
  discovered: AirbyteCatalog,
  settings: readonly StreamSettings[],
  file: string,
): ConfiguredAirbyteCatalog {
  return { streams: settings.map((stream, i) => configureStream(discovered, stream, `${file}: /streams/${i}`)) };
}

function configureStream(discovered: AirbyteCatalog, settings: StreamSettings, where: string): ConfiguredAirbyteStream {
  const stream = discovered.streams.find(
    (s) => s.name === settings.name && (settings.namespace === undefined || s.namespace === settings.namespace),
  );
  if (!stream) {
    const known = discovered.streams.map((s) => (s.namespace ? `${s.namespace}.${s.name}` : s.name)).join(', ');
    throw new ConfigurationError(`${where}: the source has no stream "${settings.name}" (it has: ${known || 'none'})`);
  }
  const syncMode = settings.sync_mode ?? 'full_refresh';
  if (!stream.supported_sync_modes.includes(syncMode)) {
    throw new ConfigurationError(
      `${where}: stream "${settings.name}" does not support ${syncMode} (supports ${stream.supported_sync_modes.join(', ')})`,
    );
  }
  if (settings.cursor_field) requireColumn(stream, settings.cursor_field, `${where}/cursor_field`);
  const primaryKey = settings.primary_key?.map((column) => [column]) ?? stream.source_defined_primary_key;
  for (const [column] of primaryKey ?? []) if (column) requireColumn(stream, column, `${where}/primary_key`);
  const behaviour = settings.behaviour ?? 'upsert';
  const matchingKeys = settings.matching_keys?.map((field) => [field]) ?? primaryKey;
  const configured: ConfiguredAirbyteStream = {
    stream,
    sync_mode: syncMode,
    destination_sync_mode: destinationSyncModeFor(behaviour),
    behaviour,
  };
  if (settings.cursor_field) configured.cursor_field = [settings.cursor_field];
  if (primaryKey?.length) configured.primary_key = primaryKey;
  if (matchingKeys?.length) configured.matching_keys = matchingKeys;
  if (settings.destination) configured.destination_object_name = settings.destination;
  return configured;
}

function requireColumn(stream: AirbyteStream, column: string, where: string): void {
  const properties = (stream.json_schema as { properties?: Record<string, unknown> }).properties;
  if (properties && !(column in properties)) {
    throw new ConfigurationError(
      `${where}: stream "${stream.name}" has no column "${column}" (it has: ${Object.keys(properties).join(', ')})`,
    );
  }
}
