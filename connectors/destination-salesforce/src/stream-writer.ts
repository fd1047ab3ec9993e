import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import { prepareBatch } from './prepare-batch.js';
import { MAX_COLLECTION, type SalesforceApi } from './salesforce-api.js';
import { deleteThroughBulk, writeThroughBulk, type BulkOptions } from './send-bulk.js';
import { deleteThroughCollections, writeThroughCollections } from './send-collections.js';
import type { StreamPlan } from './stream-plan.js';

/**
 * Calls one Bulk 2.0 job costs at the least: create, upload, close, one poll and three result
 * reads. Up to this many Collections calls (1,400 records) are never more.
 */
export const BULK_JOB_MIN_CALLS = 7;

/**
 * Writes one stream's batches to its sObject: writes first, then mirror deletes, each
 * through sObject Collections until the stream has sent more than `bulkThreshold` records in
 * this run, then through Bulk 2.0 jobs — except for parts small enough that Collections
 * needs no more calls than one job would.
 */
export class StreamWriter {
  private sent = 0;

  constructor(
    private readonly plan: StreamPlan,
    private readonly api: SalesforceApi,
    private readonly bulkThreshold: number,
    private readonly bulk: BulkOptions,
  ) {}

  async write(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    const batch = prepareBatch(this.plan, records);
    const rejected = [...batch.rejected];
    if (batch.writes.length > 0) {
      const outcome = this.useBulk(batch.writes.length)
        ? await writeThroughBulk(this.api, this.plan, batch.writes, this.bulk)
        : await writeThroughCollections(this.api, this.plan, batch.writes);
      rejected.push(...outcome.rejected);
    }
    if (batch.deletes.length > 0)
      rejected.push(
        ...(this.useBulk(batch.deletes.length)
          ? await deleteThroughBulk(this.api, this.plan, batch.deletes, this.bulk)
          : await deleteThroughCollections(this.api, this.plan, batch.deletes)),
      );
    return rejected;
  }

  private useBulk(count: number): boolean {
    this.sent += count;
    return this.sent > this.bulkThreshold && count > BULK_JOB_MIN_CALLS * MAX_COLLECTION;
  }
}
