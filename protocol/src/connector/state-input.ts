import type { AirbyteStateBlob, AirbyteStateMessage } from '../types.js';
import { ConfigError } from './errors.js';
import { streamKey } from './stream-key.js';

/**
 * Each stream's committed state from a `--state` file. Accepts what Airbyte platforms pass:
 * an array of STREAM or GLOBAL state messages, or a LEGACY object keyed by stream name.
 */
export function statesByStream(input: unknown): Map<string, AirbyteStateBlob> {
  const states = new Map<string, AirbyteStateBlob>();
  if (input === undefined || input === null) return states;
  if (!Array.isArray(input)) {
    if (typeof input !== 'object')
      throw new ConfigError('the state file must hold a JSON array of state messages or an object');
    for (const [name, blob] of Object.entries(input)) {
      if (blob && typeof blob === 'object') states.set(name, blob as AirbyteStateBlob);
    }
    return states;
  }
  for (const [i, message] of (input as AirbyteStateMessage[]).entries()) {
    if (!message || typeof message !== 'object') throw new ConfigError(`state[${i}] is not a state message`);
    if (message.type === 'STREAM' && message.stream) {
      if (message.stream.stream_state)
        states.set(streamKey(message.stream.stream_descriptor), message.stream.stream_state);
    } else if (message.type === 'GLOBAL' && message.global) {
      for (const stream of message.global.stream_states) {
        if (stream.stream_state) states.set(streamKey(stream.stream_descriptor), stream.stream_state);
      }
    } else if (message.data && typeof message.data === 'object') {
      for (const [name, blob] of Object.entries(message.data)) {
        if (blob && typeof blob === 'object') states.set(name, blob as AirbyteStateBlob);
      }
    }
  }
  return states;
}
