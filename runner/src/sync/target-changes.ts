import type { PlanSession } from '../store/types.js';
import type { ConfiguredStream } from './configured-catalog.js';

/** A stream whose rows now go somewhere its fingerprints know nothing about. */
export interface TargetChange {
  /** The target the fingerprints belong to. */
  readonly from: string;
  readonly to: string;
}

/**
 * The streams whose delivery target (object, destination stream, mapping) differs from the
 * one their fingerprints were recorded for, by stream key. A stream with no recorded target
 * (never committed, or synced before targets were kept) has no change: its fingerprints are
 * taken to belong to the current target.
 */
export async function targetChanges(
  streams: readonly ConfiguredStream[],
  session: PlanSession,
): Promise<Map<string, TargetChange>> {
  const recorded = await session.targets();
  const changes = new Map<string, TargetChange>();
  for (const stream of streams) {
    const from = recorded.get(stream.key);
    if (from !== undefined && from !== stream.target) changes.set(stream.key, { from, to: stream.target });
  }
  return changes;
}

/** How a change is told, in the log and by `runner plan`. */
export function describeChange(change: TargetChange): string {
  return `target changed: ${change.from} → ${change.to}, full send`;
}
