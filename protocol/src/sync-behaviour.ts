import type { ConfiguredAirbyteStream, DestinationSyncMode, SyncBehaviour } from './types.js';

const syncModeByBehaviour = {
  upsert: 'append_dedup',
  update: 'update',
  insert: 'append',
  mirror: 'append_dedup',
  append: 'append',
} as const satisfies Record<SyncBehaviour, DestinationSyncMode>;

/**
 * The Airbyte `destination_sync_mode` to send alongside a Backflow `behaviour`, so that a
 * destination that knows only the official protocol still does the closest thing:
 * upsert → append_dedup, update → update, insert → append, mirror → append_dedup (its
 * deletions travel as `operation: "delete"` records), append → append.
 */
export function destinationSyncModeFor(behaviour: SyncBehaviour): DestinationSyncMode {
  return syncModeByBehaviour[behaviour];
}

const behaviourBySyncMode: Readonly<Record<DestinationSyncMode, SyncBehaviour | undefined>> = {
  append: 'append',
  append_dedup: 'upsert',
  overwrite: 'mirror',
  update: 'update',
  soft_delete: undefined,
};

/**
 * The behaviour of a configured stream: Backflow's `behaviour` when the catalog carries one,
 * else the closest reading of Airbyte's `destination_sync_mode` (append → append,
 * append_dedup → upsert, overwrite → mirror, update → update); undefined for `soft_delete`.
 */
export function behaviourOf(configured: ConfiguredAirbyteStream): SyncBehaviour | undefined {
  return configured.behaviour ?? behaviourBySyncMode[configured.destination_sync_mode];
}

/** The fields that identify a record at the destination: matching keys, else the primary key. */
export function matchingKeyPaths(configured: ConfiguredAirbyteStream): string[][] {
  return configured.matching_keys ?? configured.primary_key ?? configured.stream.source_defined_primary_key ?? [];
}
