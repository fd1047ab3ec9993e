import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import type { HubSpotApi } from './hubspot-api.js';
import { prepareBatch, type Change } from './prepare-batch.js';
import { archiveChanges, MAX_INPUTS, sendChanges, type SendOutcome } from './send-changes.js';
import type { StreamPlan } from './stream-plan.js';

/**
 * Writes one stream's batches to its HubSpot object. Mirror deletes are held until 100 are
 * pending or the SDK commits (before each STATE), so they cost one batch read and one batch
 * archive per 100 however the runner interleaves them with upserts; archiving has no
 * per-record outcome to report, so nothing is lost by deferring it.
 * Batches are written concurrently (the SDK never runs two holding one key), but a deferred
 * delete outlives its batch: so an upsert of a key waits while that key's delete is being
 * applied, and a delete waits for an upsert of its key in flight, which supersedes it if
 * HubSpot takes it.
 */
export class StreamWriter {
  private readonly pendingDeletes = new Map<string, Change>();
  /** Normalized keys of upserts in flight, to the write sending them. */
  private readonly upserting = new Map<string, Promise<unknown>>();
  /** Normalized keys of deletes being applied, to the archive applying them. */
  private readonly archiving = new Map<string, Promise<unknown>>();

  constructor(
    private readonly plan: StreamPlan,
    private readonly api: HubSpotApi,
  ) {}

  async write(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    const batch = prepareBatch(this.plan, records);
    const operation =
      this.plan.behaviour === 'insert' ? 'create' : this.plan.behaviour === 'update' ? 'update' : 'upsert';
    const keys = batch.upserts.flatMap((change) => (change.normalizedKey === undefined ? [] : [change.normalizedKey]));
    await Promise.allSettled(keys.map((key) => this.archiving.get(key)));
    const sending = sendChanges(this.api, this.plan, operation, batch.upserts);
    for (const key of keys) this.upserting.set(key, sending);
    let outcome: SendOutcome;
    try {
      outcome = await sending;
    } finally {
      for (const key of keys) if (this.upserting.get(key) === sending) this.upserting.delete(key);
    }
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
    const candidates = [...this.pendingDeletes.values()].slice(0, count);
    await Promise.allSettled(candidates.map((change) => this.upserting.get(change.normalizedKey!)));
    // Taken synchronously: another flush running beside this one must not archive them again.
    const changes = candidates.filter((change) => this.pendingDeletes.get(change.normalizedKey!) === change);
    for (const change of changes) this.pendingDeletes.delete(change.normalizedKey!);
    const archiving = archiveChanges(this.api, this.plan, changes);
    for (const change of changes) this.archiving.set(change.normalizedKey!, archiving);
    try {
      await archiving;
    } finally {
      for (const change of changes)
        if (this.archiving.get(change.normalizedKey!) === archiving) this.archiving.delete(change.normalizedKey!);
    }
  }
}
