import type { AirbyteCatalog, AirbyteStream, ConfiguredAirbyteCatalog } from '@backflow/protocol';

/** The discovered stream named `name` (and `namespace`, when given). */
export function streamNamed(catalog: AirbyteCatalog | undefined, name: string, namespace?: string): AirbyteStream {
  const stream = catalog?.streams.find(
    (s) => s.name === name && (namespace === undefined || s.namespace === namespace),
  );
  if (!stream) throw new Error(`stream ${namespace ? `${namespace}.` : ''}${name} was not discovered`);
  return stream;
}

/** A configured catalog reading `stream` once, in `sync_mode`. */
export function configure(
  stream: AirbyteStream,
  options: { sync_mode?: 'full_refresh' | 'incremental'; cursor_field?: string[]; primary_key?: string[][] } = {},
): ConfiguredAirbyteCatalog {
  return {
    streams: [
      {
        stream,
        sync_mode: options.sync_mode ?? 'full_refresh',
        destination_sync_mode: 'append',
        ...(options.cursor_field ? { cursor_field: options.cursor_field } : {}),
        ...(options.primary_key ? { primary_key: options.primary_key } : {}),
      },
    ],
  };
}
