import type { DestinationSyncMode, SyncBehaviour } from './types.js';

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
