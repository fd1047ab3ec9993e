import { behaviourOf, matchingKeyPaths, type ConfiguredAirbyteStream, type SyncBehaviour } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';

/** How a configured stream is to be written, and the fields that identify a record. */
export interface StreamPlan {
  readonly behaviour: SyncBehaviour;
  /** Paths of the matching key fields; empty for `append` and for an unkeyed `insert`. */
  readonly keyPaths: readonly (readonly string[])[];
}

/**
 * The behaviour of a configured stream (`behaviour`, else derived from
 * `destination_sync_mode`) and its key, refusing what this destination cannot honour.
 */
export function planStream(configured: ConfiguredAirbyteStream, supported: readonly SyncBehaviour[]): StreamPlan {
  const name = streamKey(configured.stream);
  const behaviour = behaviourOf(configured);
  if (!behaviour) {
    throw new ConfigError(
      `stream "${name}": destination_sync_mode "${configured.destination_sync_mode}" is not supported`,
    );
  }
  if (!supported.includes(behaviour)) {
    throw new ConfigError(
      `stream "${name}": behaviour "${behaviour}" is not supported by this destination (supported: ${supported.join(', ')})`,
    );
  }
  const keyPaths = matchingKeyPaths(configured);
  // Without a key, nothing can be matched, so `insert` means adding every row: an append.
  if (behaviour !== 'append' && behaviour !== 'insert' && keyPaths.length === 0) {
    throw new ConfigError(`stream "${name}": behaviour "${behaviour}" needs matching_keys (or a primary key)`);
  }
  return { behaviour, keyPaths: behaviour === 'append' ? [] : keyPaths };
}
