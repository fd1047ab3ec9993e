import {
  destinationSyncModeFor,
  type AirbyteCatalog,
  type AirbyteStream,
  type ConfiguredAirbyteCatalog,
  type ConfiguredAirbyteStream,
  type SyncBehaviour,
} from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import { ConfigurationError } from '../errors.js';
import type { StreamSettings } from '../generated/connection.js';
import { compileMapping, type RowMapper } from '../mapping/compile-mapping.js';
import { mappedSchema } from '../mapping/mapped-schema.js';
import { splitPath } from '../mapping/paths.js';
import { deliveryTarget } from './delivery-target.js';
import { StreamNames, type StreamName } from './stream-names.js';

/** One stream as the sync runs it: what both connectors receive and how rows are diffed. */
export interface ConfiguredStream {
  /** `namespace.name` or `name`. */
  readonly key: string;
  /** What the source reads: its own schema and key. */
  readonly configured: ConfiguredAirbyteStream;
  /** What the destination receives: with a mapping, the mapped records' schema and key. */
  readonly delivered: ConfiguredAirbyteStream;
  readonly behaviour: SyncBehaviour;
  /** Source column paths of the model's key; empty when there is none (rows are not tracked). */
  readonly primaryKey: string[][];
  /** Destination field paths that address a record. */
  readonly matchingKeys: string[][];
  readonly mapper: RowMapper | undefined;
  /** Destination object name. */
  readonly object: string;
  /** The stream's name as the destination receives it (`destination_stream`, else the source's). */
  readonly destinationName: StreamName;
  /** Where rows are delivered: object, destination stream and mapping (see `deliveryTarget`). */
  readonly target: string;
  /** Full refresh: every run reads the whole model, so rows not read were removed. */
  readonly readsAll: boolean;
  /** Where the stream is in the connection file, for messages. */
  readonly where: string;
}

/**
 * Matches each stream the connection file lists to what the source discovered, and works out
 * the sync mode, keys, behaviour and mapping. The source reads `catalogOf(streams, 'source')`;
 * the destination receives `catalogOf(streams, 'destination')`, which with a mapping describes
 * the mapped records.
 */
export function configureStreams(
  discovered: AirbyteCatalog,
  settings: readonly StreamSettings[],
  file: string,
): ConfiguredStream[] {
  const streams = settings.map((stream, i) => configureStream(discovered, stream, `${file}: /streams/${i}`));
  // Echoes are mapped back to source streams by the name the destination received.
  const received = new Map<string, string>();
  for (const stream of streams) {
    const name = streamKey(stream.destinationName);
    const other = received.get(name);
    if (other !== undefined) {
      throw new ConfigurationError(
        `${stream.where}/destination_stream: the destination would receive "${name}" for both ${other} and ${stream.key}`,
      );
    }
    received.set(name, stream.key);
  }
  return streams;
}

/** Each stream's source and destination names, to rename what crosses to the destination and back. */
export function streamNamesOf(streams: readonly ConfiguredStream[]): StreamNames {
  return new StreamNames(
    streams.map((s) => {
      const { name, namespace } = s.configured.stream;
      return { source: { name, ...(namespace ? { namespace } : {}) }, destination: s.destinationName };
    }),
  );
}

export function catalogOf(
  streams: readonly ConfiguredStream[],
  side: 'source' | 'destination',
): ConfiguredAirbyteCatalog {
  return { streams: streams.map((s) => (side === 'source' ? s.configured : s.delivered)) };
}

function configureStream(discovered: AirbyteCatalog, settings: StreamSettings, where: string): ConfiguredStream {
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
  const behaviour = settings.behaviour ?? 'upsert';
  if (behaviour === 'mirror' && syncMode === 'incremental') {
    throw new ConfigurationError(
      `${where}/behaviour: mirror needs sync_mode full_refresh: an incremental read only returns changed rows, so rows removed from the model cannot be detected`,
    );
  }
  if (settings.cursor_field) requireColumn(stream, settings.cursor_field, `${where}/cursor_field`);
  const primaryKey = settings.primary_key?.map((column) => [column]) ?? stream.source_defined_primary_key ?? [];
  for (const [column] of primaryKey) if (column) requireColumn(stream, column, `${where}/primary_key`);
  if (behaviour === 'mirror' && primaryKey.length === 0) {
    throw new ConfigurationError(`${where}/primary_key: mirror needs a primary key to know which rows left the model`);
  }
  const mapper = settings.mapping ? compileMapping(settings.mapping) : undefined;
  for (const column of mapper?.columns ?? []) requireColumn(stream, column, `${where}/mapping`);
  const matchingKeys = matchingKeysOf(settings, primaryKey, mapper, where);
  const configured: ConfiguredAirbyteStream = {
    stream,
    sync_mode: syncMode,
    destination_sync_mode: destinationSyncModeFor(behaviour),
    behaviour,
  };
  if (settings.cursor_field) configured.cursor_field = [settings.cursor_field];
  if (primaryKey.length) configured.primary_key = primaryKey;
  if (matchingKeys.length) configured.matching_keys = matchingKeys;
  if (settings.destination) configured.destination_object_name = settings.destination;
  const destinationName: StreamName = settings.destination_stream ?? {
    name: stream.name,
    ...(stream.namespace ? { namespace: stream.namespace } : {}),
  };
  const { namespace: _namespace, ...unnamespaced } = stream;
  const delivered: ConfiguredAirbyteStream =
    settings.mapping || settings.destination_stream
      ? {
          ...configured,
          stream: {
            ...(settings.destination_stream ? unnamespaced : stream),
            ...destinationName,
            ...(settings.mapping
              ? { json_schema: mappedSchema(settings.mapping, stream.json_schema as Record<string, unknown>) }
              : {}),
          },
          ...(settings.mapping && matchingKeys.length ? { primary_key: matchingKeys } : {}),
        }
      : configured;
  const object = settings.destination ?? destinationName.name;
  return {
    key: streamKey(stream),
    configured,
    delivered,
    behaviour,
    primaryKey,
    matchingKeys,
    mapper,
    object,
    destinationName,
    target: deliveryTarget(object, destinationName, settings.mapping),
    readsAll: syncMode === 'full_refresh',
    where,
  };
}

/** Given, or the primary key — with a mapping, the fields the key columns are copied to. */
function matchingKeysOf(
  settings: StreamSettings,
  primaryKey: string[][],
  mapper: RowMapper | undefined,
  where: string,
): string[][] {
  if (settings.matching_keys) {
    const keys = settings.matching_keys.map(splitPath);
    for (const field of settings.matching_keys) {
      if (mapper && !mapper.fields.includes(field)) {
        throw new ConfigurationError(
          `${where}/matching_keys: "${field}" is not a mapped field (mapped: ${mapper.fields.join(', ')})`,
        );
      }
    }
    return keys;
  }
  if (!mapper) return primaryKey;
  return primaryKey.map(([column]) => {
    const field = mapper.fieldOf(column!);
    if (!field) {
      throw new ConfigurationError(
        `${where}/matching_keys: required with a mapping that does not copy primary key column "${column}" to a destination field`,
      );
    }
    return splitPath(field);
  });
}

function requireColumn(stream: AirbyteStream, column: string, where: string): void {
  const properties = (stream.json_schema as { properties?: Record<string, unknown> }).properties;
  if (properties && !(column in properties)) {
    throw new ConfigurationError(
      `${where}: stream "${stream.name}" has no column "${column}" (it has: ${Object.keys(properties).join(', ')})`,
    );
  }
}
