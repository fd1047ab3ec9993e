import type {
  AirbyteCatalog,
  AirbyteMessage,
  AirbyteStateBlob,
  AirbyteStateMessage,
  AirbyteStream,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  DestinationSyncMode,
  StreamDescriptor,
} from '../types.js';

// Builders of the messages and catalogs connector tests keep writing by hand.

/** The discovered stream named `name` (and `namespace`, when given); throws naming what was discovered. */
export function findStream(catalog: AirbyteCatalog | undefined, name: string, namespace?: string): AirbyteStream {
  const stream = catalog?.streams.find(
    (s) => s.name === name && (namespace === undefined || s.namespace === namespace),
  );
  if (!stream) {
    const found = catalog?.streams.map((s) => (s.namespace ? `${s.namespace}.${s.name}` : s.name)).join(', ');
    throw new Error(
      `stream ${namespace ? `${namespace}.` : ''}${name} was not discovered (found: ${found ?? 'no catalog'})`,
    );
  }
  return stream;
}

export interface ConfigureOptions {
  readonly sync_mode?: 'full_refresh' | 'incremental';
  readonly destination_sync_mode?: DestinationSyncMode;
  readonly cursor_field?: string[];
  readonly primary_key?: string[][];
}

/** A configured catalog reading `streams` (cursor and key as discovered unless given). */
export function configuredCatalog(
  streams: AirbyteStream | readonly AirbyteStream[],
  options: ConfigureOptions = {},
): ConfiguredAirbyteCatalog {
  const list = Array.isArray(streams) ? streams : [streams as AirbyteStream];
  return {
    streams: list.map((stream): ConfiguredAirbyteStream => ({
      stream,
      sync_mode: options.sync_mode ?? 'full_refresh',
      destination_sync_mode: options.destination_sync_mode ?? 'append',
      ...(options.cursor_field ? { cursor_field: options.cursor_field } : {}),
      ...(options.primary_key ? { primary_key: options.primary_key } : {}),
    })),
  };
}

/** The descriptor of a stream: its name, and its namespace when it has one. */
export function descriptorOf(stream: { name: string; namespace?: string | null | undefined }): StreamDescriptor {
  return { name: stream.name, ...(stream.namespace ? { namespace: stream.namespace } : {}) };
}

/** A STREAM state of `stream` holding `blob`. */
export function streamState(
  stream: { name: string; namespace?: string | null | undefined },
  blob: AirbyteStateBlob,
): AirbyteStateMessage {
  return { type: 'STREAM', stream: { stream_descriptor: descriptorOf(stream), stream_state: blob } };
}

/** A STATE message (as a destination receives it) of `stream` holding `blob`. */
export function stateMessage(
  stream: { name: string; namespace?: string | null | undefined },
  blob: AirbyteStateBlob,
): AirbyteMessage {
  return { type: 'STATE', state: streamState(stream, blob) };
}

/** A RECORD message of `stream`; `operation: 'delete'` marks a record to remove. */
export function recordMessage(
  stream: string | { name: string; namespace?: string | null | undefined },
  data: Record<string, unknown>,
  options: { operation?: 'upsert' | 'delete'; emitted_at?: number } = {},
): AirbyteMessage {
  const descriptor = descriptorOf(typeof stream === 'string' ? { name: stream } : stream);
  return {
    type: 'RECORD',
    record: {
      stream: descriptor.name,
      ...(descriptor.namespace ? { namespace: descriptor.namespace } : {}),
      data,
      emitted_at: options.emitted_at ?? 0,
      ...(options.operation ? { operation: options.operation } : {}),
    },
  };
}
