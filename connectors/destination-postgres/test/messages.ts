import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';

export function configuredStream(
  name: string,
  properties: Record<string, unknown>,
  behaviour: SyncBehaviour | undefined,
  extra: Partial<ConfiguredAirbyteStream> = {},
): ConfiguredAirbyteStream {
  return {
    stream: { name, json_schema: { type: 'object', properties }, supported_sync_modes: ['full_refresh'] },
    sync_mode: 'full_refresh',
    destination_sync_mode: behaviour === 'append' || behaviour === 'insert' ? 'append' : 'append_dedup',
    ...(behaviour ? { behaviour } : {}),
    ...extra,
  };
}

export function catalogOf(...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog {
  return { streams };
}

export function record(stream: string, data: Record<string, unknown>, operation?: 'upsert' | 'delete'): AirbyteMessage {
  return { type: 'RECORD', record: { stream, data, emitted_at: 0, ...(operation ? { operation } : {}) } };
}

export function state(stream: string, n: number): AirbyteMessage {
  return {
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: { n } } },
  };
}
