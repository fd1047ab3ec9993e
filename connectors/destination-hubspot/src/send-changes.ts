import { BatchRejectedError, type Rejection } from '@backflow/protocol/connector';
import { describeProblems, HubSpotApiError, reasonOf, type PropertyProblem } from './api-error.js';
import type { HubSpotApi, WriteAnswer, WriteInput, WriteOperation } from './hubspot-api.js';
import { normalizeKey } from './object-schema.js';
import type { Change } from './prepare-batch.js';
import type { StreamPlan } from './stream-plan.js';

/** HubSpot's per-call input limit. */
export const MAX_INPUTS = 100;

/** 207 error categories that may pass on their own. */
const RETRYABLE_CATEGORIES = new Set(['RATE_LIMITS', 'INTERNAL_ERROR', 'LOCKED', 'TIMEOUT']);

/** What became of a set of changes: records refused (batch indices) and changes written. */
export interface SendOutcome {
  readonly rejected: Rejection[];
  readonly written: Change[];
}

interface Sent {
  readonly change: Change;
  readonly input: WriteInput;
}

/**
 * Writes changes with one batch call per 100 (create, update or upsert), and maps HubSpot's
 * answer back to records: results and 207 errors by `objectWriteTraceId` (else by id or key),
 * and inputs HubSpot silently dropped (batch update of unknown records) by comparing results
 * with inputs. When HubSpot refuses a whole batch for some values, the inputs carrying them
 * are rejected and the rest resent; a refusal naming no input (409 conflicts) is thrown as
 * BatchRejectedError so the SDK halves the batch to find the culprit.
 */
export async function sendChanges(
  api: HubSpotApi,
  plan: StreamPlan,
  operation: WriteOperation,
  changes: readonly Change[],
): Promise<SendOutcome> {
  const rejected: Rejection[] = [];
  const written: Change[] = [];
  for (let start = 0; start < changes.length; start += MAX_INPUTS) {
    let chunk = changes.slice(start, start + MAX_INPUTS);
    const ids =
      operation === 'update' && plan.updateLookup === 'read-first' ? await lookUpIds(api, plan, chunk) : undefined;
    if (ids) {
      for (const change of chunk.filter((c) => !ids.has(c.normalizedKey!))) rejected.push(...notFound(plan, change));
      chunk = chunk.filter((c) => ids.has(c.normalizedKey!));
    }
    const sent = chunk.map((change, i) => ({
      change,
      input: inputOf(plan, operation, change, String(i), ids?.get(change.normalizedKey!)),
    }));
    const outcome = await sendIsolating(api, plan, operation, sent);
    rejected.push(...outcome.rejected);
    written.push(...outcome.written);
  }
  return { rejected, written };
}

/**
 * Archives the HubSpot records of `changes` (mirror deletes): their ids come from a batch
 * read by the matching key, so only records carrying a key Backflow delivered are touched;
 * keys that match nothing are already gone.
 */
export async function archiveChanges(api: HubSpotApi, plan: StreamPlan, changes: readonly Change[]): Promise<void> {
  for (let start = 0; start < changes.length; start += MAX_INPUTS) {
    const ids = await lookUpIds(api, plan, changes.slice(start, start + MAX_INPUTS));
    if (ids.size > 0) await api.archive(plan.schema.objectType, [...ids.values()]);
  }
}

/** HubSpot ids of the changes' records by normalized key; keys without a record are absent. */
async function lookUpIds(api: HubSpotApi, plan: StreamPlan, changes: readonly Change[]): Promise<Map<string, string>> {
  const found = await api.findIds(
    plan.schema.objectType,
    plan.key!,
    changes.map((change) => change.keyValue!),
  );
  return new Map([...found].map(([value, id]) => [normalizeKey(plan.schema, plan.key!, value), id]));
}

function inputOf(
  plan: StreamPlan,
  operation: WriteOperation,
  change: Change,
  trace: string,
  resolvedId: string | undefined,
): WriteInput {
  const base = { properties: change.properties, objectWriteTraceId: trace };
  if (operation === 'create') return base;
  if (resolvedId !== undefined || plan.updateLookup === 'object-id')
    return { ...base, id: resolvedId ?? change.keyValue! };
  return { ...base, idProperty: plan.key!, id: change.keyValue! };
}

async function sendIsolating(
  api: HubSpotApi,
  plan: StreamPlan,
  operation: WriteOperation,
  sent: Sent[],
): Promise<SendOutcome> {
  const rejected: Rejection[] = [];
  let pending = sent;
  while (pending.length > 0) {
    let answer: WriteAnswer;
    try {
      answer = await api.write(
        operation,
        plan.schema.objectType,
        pending.map((s) => s.input),
      );
    } catch (error) {
      if (!(error instanceof HubSpotApiError)) throw error;
      const problems = error.propertyProblems();
      if (!problems && !error.isConflict()) throw error.toConnectorError();
      if (pending.length === 1) {
        rejected.push(...reject(pending[0]!.change, error.reason(), false, problems?.[0]?.name));
        break;
      }
      const bad = problems ? pending.filter((s) => problems.some((p) => carries(s.input, p))) : [];
      if (bad.length === 0) throw new BatchRejectedError(error.reason());
      for (const s of bad) {
        const own = problems!.filter((p) => carries(s.input, p));
        rejected.push(...reject(s.change, describeProblems(own), false, own[0]?.name));
      }
      pending = pending.filter((s) => !bad.includes(s));
      continue;
    }
    const outcome = outcomesOf(plan, operation, pending, answer);
    rejected.push(...outcome.rejected);
    return { rejected, written: outcome.written };
  }
  return { rejected, written: [] };
}

function carries(input: WriteInput, problem: PropertyProblem): boolean {
  if (problem.value === undefined) return false;
  return (
    input.properties[problem.name] === problem.value ||
    (input.idProperty === problem.name && input.id === problem.value)
  );
}

function outcomesOf(
  plan: StreamPlan,
  operation: WriteOperation,
  pending: readonly Sent[],
  answer: WriteAnswer,
): SendOutcome {
  const byTrace = new Map(pending.map((s) => [s.input.objectWriteTraceId, s]));
  const byId = new Map(
    pending.filter((s) => s.input.id !== undefined && s.input.idProperty === undefined).map((s) => [s.input.id!, s]),
  );
  const byKey = new Map(
    pending.filter((s) => s.change.normalizedKey !== undefined).map((s) => [s.change.normalizedKey!, s]),
  );
  const settled = new Set<Sent>();
  const rejected: Rejection[] = [];
  const unattributed: string[] = [];
  for (const error of answer.errors) {
    const owners = (error.context.objectWriteTraceId ?? [])
      .map((trace) => byTrace.get(trace))
      .filter((s): s is Sent => s !== undefined);
    const reason = reasonOf(error) ?? error.category;
    if (owners.length === 0) unattributed.push(reason);
    for (const s of owners) {
      settled.add(s);
      rejected.push(...reject(s.change, reason, RETRYABLE_CATEGORIES.has(error.category)));
    }
  }
  const written: Change[] = [];
  for (const result of answer.results) {
    const keyValue = plan.key === undefined ? undefined : result.properties[plan.key];
    const s =
      (result.objectWriteTraceId !== undefined ? byTrace.get(result.objectWriteTraceId) : undefined) ??
      byId.get(result.id) ??
      (keyValue ? byKey.get(normalizeKey(plan.schema, plan.key!, keyValue)) : undefined);
    if (s && !settled.has(s)) {
      settled.add(s);
      written.push(s.change);
    }
  }
  for (const s of pending.filter((s) => !settled.has(s))) {
    if (operation === 'update') rejected.push(...notFound(plan, s.change));
    else if (unattributed.length > 0) rejected.push(...reject(s.change, unattributed.join('; '), false));
    else rejected.push(...reject(s.change, `HubSpot's ${operation} answer has no result for this record`, true));
  }
  return { rejected, written };
}

function notFound(plan: StreamPlan, change: Change): Rejection[] {
  return reject(
    change,
    `no HubSpot ${plan.schema.objectType} record has ${plan.key} ${change.keyValue}; behaviour update never creates records`,
    false,
  );
}

function reject(change: Change, reason: string, retryable: boolean, field?: string): Rejection[] {
  return change.indices.map((index) => ({ index, reason, retryable, ...(field ? { field } : {}) }));
}
