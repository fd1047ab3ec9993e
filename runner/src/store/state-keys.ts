import type { AirbyteStateMessage } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';

/** Where a committed state is kept: per stream for STREAM states, one slot for GLOBAL or LEGACY. */
export function persistKey(state: AirbyteStateMessage): string {
  if (state.type === 'STREAM' && state.stream) return streamStateKey(streamKey(state.stream.stream_descriptor));
  return state.type === 'GLOBAL' ? 'global' : 'legacy';
}

/** Where the STREAM state of a stream (by stream key) is kept. */
export function streamStateKey(stream: string): string {
  return `stream:${stream}`;
}

/** The state as kept: only what the source needs to resume, without per-run stats. */
export function storable(state: AirbyteStateMessage): AirbyteStateMessage {
  const { sourceStats: _source, destinationStats: _destination, ...rest } = state;
  return rest;
}
