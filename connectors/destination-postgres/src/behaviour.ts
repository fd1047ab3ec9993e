import { behaviourOf, matchingKeyPaths, type ConfiguredAirbyteStream, type SyncBehaviour } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';

/** How a configured stream is to be written, and the columns that identify a row. */
export interface StreamPlan {
  readonly behaviour: SyncBehaviour;
  /** Matching key columns; empty for `append` and for an unkeyed `insert`. */
  readonly keys: readonly string[];
}

/**
 * The behaviour of a configured stream (`behaviour`, else derived from
 * `destination_sync_mode`) and its key columns, which must be top-level fields.
 */
export function planStream(configured: ConfiguredAirbyteStream): StreamPlan {
  const name = streamKey(configured.stream);
  const behaviour = behaviourOf(configured);
  if (!behaviour) {
    throw new ConfigError(
      `stream "${name}": destination_sync_mode "${configured.destination_sync_mode}" is not supported`,
    );
  }
  if (behaviour === 'append') return { behaviour, keys: [] };
  const paths = matchingKeyPaths(configured);
  // Without a key, nothing can be matched, so `insert` means adding every row: an append.
  if (paths.length === 0 && behaviour === 'insert') return { behaviour, keys: [] };
  if (paths.length === 0)
    throw new ConfigError(`stream "${name}": behaviour "${behaviour}" needs matching_keys (or a primary key)`);
  const nested = paths.find((path) => path.length !== 1);
  if (nested) {
    throw new ConfigError(
      `stream "${name}": matching key "${nested.join('.')}" is not a column; keys must be top-level fields`,
    );
  }
  return { behaviour, keys: paths.map((path) => path[0]!) };
}
