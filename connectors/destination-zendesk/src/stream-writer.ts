import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import { itemResults, MAX_ITEMS, runJobs, type JobOptions, type JobRequest, type JobStatus } from './jobs.js';
import type { Lookups } from './lookups.js';
import { ID } from './objects.js';
import { prepareBatch, type Change } from './prepare-batch.js';
import type { StreamPlan } from './stream-plan.js';
import type { ZendeskClient } from './zendesk-client.js';

/** Job item errors that may pass on their own. */
const RETRYABLE_ERRORS = new Set(['TooManyRequests', 'InternalError', 'Timeout', 'LockedRecord']);

/** Bulk requests of up to 100 items and the changes each stands for, in item order. */
interface Send {
  readonly request: JobRequest;
  readonly changes: readonly Change[];
  /** Creates report the new record's id, which later batches of the run match on. */
  readonly creates: boolean;
}

/**
 * Writes one stream's batches to its Zendesk object through the bulk job endpoints, 100 items
 * a call, and turns each job's item results into per-record outcomes:
 * - insert: `create_many`;
 * - update: ids found by the key, then `update_many`; keys matching nothing are rejected;
 * - upsert, mirror: users through `create_or_update_many` (Zendesk matches e-mail or external
 *   id itself); organizations and tickets by external id: `update_many` for the found ones,
 *   `create_many` for the rest;
 * - mirror deletes: users and organizations found by the key are deleted (`destroy_many`);
 *   tickets are never deleted but solved (`update_many` with `status: solved`).
 * All of a batch's jobs are submitted, then polled together.
 */
export class StreamWriter {
  constructor(
    private readonly plan: StreamPlan,
    private readonly client: ZendeskClient,
    private readonly lookups: Lookups,
    private readonly jobs: JobOptions,
  ) {}

  async write(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    const batch = prepareBatch(this.plan, records);
    const rejected = [...batch.rejected];
    const upserts = await this.resolveAssignees(batch.upserts, rejected);
    const sends = [...(await this.upsertSends(upserts, rejected)), ...(await this.deleteSends(batch.deletes))];
    const statuses = await runJobs(
      this.client,
      sends.map((send) => send.request),
      this.jobs,
    );
    sends.forEach((send, i) => rejected.push(...this.outcomes(send, statuses[i]!)));
    return rejected;
  }

  private async upsertSends(changes: Change[], rejected: Rejection[]): Promise<Send[]> {
    const { behaviour, key, schema } = this.plan;
    const object = schema.object.name;
    if (changes.length === 0) return [];
    if (behaviour === 'insert') return this.chunks('create_many', changes, (c) => c.item, true);
    if (object === 'users' && key !== ID && behaviour !== 'update') {
      return this.chunks('create_or_update_many', changes, (c) => ({ ...c.item, [key!]: c.keyValue }), true);
    }
    const ids = await this.lookups.findIds(
      object,
      key!,
      changes.map((c) => c.keyValue!),
    );
    const found = changes.filter((c) => ids.has(c.normalizedKey!));
    const missing = changes.filter((c) => !ids.has(c.normalizedKey!));
    const sends = this.chunks('update_many', found, (c) => ({ ...c.item, id: ids.get(c.normalizedKey!) }), false);
    if (behaviour === 'update') {
      for (const change of missing) rejected.push(...reject(change, this.notFound(change), false));
      return sends;
    }
    return [...sends, ...this.chunks('create_many', missing, (c) => ({ ...c.item, [key!]: c.keyValue }), true)];
  }

  private async deleteSends(changes: Change[]): Promise<Send[]> {
    if (changes.length === 0) return [];
    const object = this.plan.schema.object.name;
    const ids = await this.lookups.findIds(
      object,
      this.plan.key!,
      changes.map((c) => c.keyValue!),
    );
    // Keys that match nothing are already gone: nothing to do, nothing to report.
    const found = changes.filter((c) => ids.has(c.normalizedKey!));
    if (object === 'tickets') {
      // A closed ticket is already past solved, and Zendesk refuses to update it.
      const open = found.filter((c) => !this.lookups.isClosed(ids.get(c.normalizedKey!)!));
      return this.chunks('update_many', open, (c) => ({ id: ids.get(c.normalizedKey!), status: 'solved' }), false);
    }
    const sends: Send[] = [];
    for (let start = 0; start < found.length; start += MAX_ITEMS) {
      const chunk = found.slice(start, start + MAX_ITEMS);
      const list = chunk.map((c) => ids.get(c.normalizedKey!)).join(',');
      sends.push({
        request: {
          what: `destroy_many of ${object}`,
          method: 'DELETE',
          path: `/api/v2/${object}/destroy_many?ids=${list}`,
        },
        changes: chunk,
        creates: false,
      });
      for (const change of chunk) this.lookups.remember(object, this.plan.key!, change.keyValue!, null);
    }
    return sends;
  }

  private chunks(
    endpoint: string,
    changes: readonly Change[],
    itemOf: (change: Change) => object,
    creates: boolean,
  ): Send[] {
    const { name } = this.plan.schema.object;
    const sends: Send[] = [];
    for (let start = 0; start < changes.length; start += MAX_ITEMS) {
      const chunk = changes.slice(start, start + MAX_ITEMS);
      sends.push({
        request: {
          what: `${endpoint} of ${name}`,
          method: endpoint === 'update_many' ? 'PUT' : 'POST',
          path: `/api/v2/${name}/${endpoint}`,
          body: { [name]: chunk.map(itemOf) },
        },
        changes: chunk,
        creates,
      });
    }
    return sends;
  }

  private outcomes(send: Send, job: JobStatus): Rejection[] {
    if (job.status !== 'completed') {
      const reason = `Zendesk job ${job.id} ${job.status}${job.message ? `: ${job.message}` : ''}`;
      return send.changes.flatMap((change) => reject(change, reason, true));
    }
    const rejected: Rejection[] = [];
    const settled = new Set<number>();
    for (const result of itemResults(job)) {
      const change = send.changes[result.index!];
      if (!change || settled.has(result.index!)) continue;
      settled.add(result.index!);
      if (result.error !== undefined || result.success === false) {
        const reason = [result.error ?? result.status ?? 'Failed', result.details].filter(Boolean).join(': ');
        rejected.push(...reject(change, reason, RETRYABLE_ERRORS.has(result.error ?? '')));
      } else if (
        send.creates &&
        result.id !== undefined &&
        this.plan.key !== undefined &&
        change.keyValue !== undefined
      ) {
        this.lookups.remember(this.plan.schema.object.name, this.plan.key, change.keyValue, result.id);
      }
    }
    // destroy_many answers one result per id, not per item; its items are settled by completing.
    if (send.request.method === 'DELETE') return rejected;
    send.changes.forEach((change, index) => {
      if (!settled.has(index))
        rejected.push(...reject(change, `Zendesk job ${job.id} has no result for this record`, true));
    });
    return rejected;
  }

  /** Routing: `assignee_email` becomes `assignee_id`; an unknown address or an end user rejects the record. */
  private async resolveAssignees(changes: Change[], rejected: Rejection[]): Promise<Change[]> {
    const kept: Change[] = [];
    for (const change of changes) {
      if (change.assigneeEmail === undefined) {
        kept.push(change);
        continue;
      }
      const agent = await this.lookups.agentByEmail(change.assigneeEmail);
      const problem = !agent
        ? `no Zendesk user has the e-mail ${change.assigneeEmail}`
        : agent.role === 'end-user'
          ? `${change.assigneeEmail} is an end user; tickets are assigned to agents or admins`
          : undefined;
      if (problem) rejected.push(...reject(change, `assignee_email: ${problem}`, false, 'assignee_email'));
      else kept.push({ ...change, item: { ...change.item, assignee_id: agent!.id } });
    }
    return kept;
  }

  private notFound(change: Change): string {
    const { schema, key } = this.plan;
    return `no Zendesk ${schema.object.singular} has ${key} ${change.keyValue}; behaviour update never creates records`;
  }
}

function reject(change: Change, reason: string, retryable: boolean, field?: string): Rejection[] {
  return change.indices.map((index) => ({ index, reason, retryable, ...(field ? { field } : {}) }));
}
