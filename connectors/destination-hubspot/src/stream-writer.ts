import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import type { HubSpotApi } from './hubspot-api.js';
import { prepareBatch, type Change } from './prepare-batch.js';
import { archiveChanges, MAX_INPUTS, sendChanges } from './send-changes.js';
import type { StreamPlan } from './stream-plan.js';

/**
 * Writes one stream's batches to its HubSpot object. Mirror deletes are held until 100 are
 * pending or the SDK commits (before each STATE), so they cost one batch read and one batch
 * archive per 100 however the runner interleaves them with upserts; archiving has no
 * per-record outcome to report, so nothing is lost by deferring it.
 */
export class StreamWriter {
  private readonly pendingDeletes = new Map<string, Change>();

  constructor(
    private readonly plan: StreamPlan,
    private readonly api: HubSpotApi,
  ) {}

  async write(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    const batch = prepareBatch(this.plan, records);
    const operation =
      this.plan.behaviour === 'insert' ? 'create' : this.plan.behaviour === 'update' ? 'update' : 'upsert';
    const outcome = await sendChanges(this.api, this.plan, operation, batch.upserts);
    // A record written again after its delete was queued must stay; one HubSpot refused keeps its queued delete.
    for (const change of outcome.written)
      if (change.normalizedKey !== undefined) this.pendingDeletes.delete(change.normalizedKey);
    for (const change of batch.deletes) this.pendingDeletes.set(change.normalizedKey!, change);
    while (this.pendingDeletes.size >= MAX_INPUTS) await this.flushDeletes(MAX_INPUTS);
    return [...batch.rejected, ...outcome.rejected];
  }

  /** Applies every pending delete. */
  async commit(): Promise<void> {
    while (this.pendingDeletes.size > 0) await this.flushDeletes(MAX_INPUTS);
  }

  private async flushDeletes(count: number): Promise<void> {
    const changes = [...this.pendingDeletes.values()].slice(0, count);
    await archiveChanges(this.api, this.plan, changes);
    for (const change of changes) this.pendingDeletes.delete(change.normalizedKey!);
  }
}
