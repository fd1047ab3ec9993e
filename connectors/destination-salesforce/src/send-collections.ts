import type { Rejection } from '@backflow/protocol/connector';
import { SalesforceApiError } from '@backflow/salesforce-common';
import { findIds, updateTargets } from './find-ids.js';
import type { Change } from './prepare-batch.js';
import { reject, rejectFromErrors, type SendOutcome } from './record-outcome.js';
import { MAX_COLLECTION, type SalesforceApi, type SaveResult } from './salesforce-api.js';
import type { StreamPlan } from './stream-plan.js';

/**
 * Collections calls of one batch in flight at once. With the SDK's 4 batches in flight, at most
 * 16 calls run together: far below the 25 concurrent long-running requests Salesforce allows.
 */
const PARALLEL_CALLS = 4;

/** Delete errors that mean the record is already gone, which is what a delete wants. */
const GONE = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);

/**
 * Writes changes through sObject Collections, 200 per call with `allOrNone: false`, and maps
 * each result (in input order) back to its records. `update` by an external id reads the
 * records' ids with SOQL first: Salesforce updates only by Id, and upsert would create. A
 * call Salesforce refuses as a whole (400) is split in halves until the refused record is
 * alone and rejected with Salesforce's message.
 */
export async function writeThroughCollections(
  api: SalesforceApi,
  plan: StreamPlan,
  changes: readonly Change[],
): Promise<SendOutcome> {
  const rejected: Rejection[] = [];
  const written: Change[] = [];
  const targets = plan.behaviour === 'update' ? await updateTargets(api, plan, changes) : undefined;
  rejected.push(...(targets?.rejected ?? []));
  const sendable = targets?.sendable ?? changes;
  const call = (chunk: readonly Change[]): Promise<SaveResult[]> => {
    const object = plan.schema.name;
    if (plan.behaviour === 'insert')
      return api.create(
        object,
        chunk.map((c) => c.values),
      );
    if (plan.behaviour === 'update')
      return api.update(
        object,
        chunk.map((c) => ({ ...c.values, Id: targets!.ids.get(c)! })),
      );
    return api.upsert(
      object,
      plan.key!,
      chunk.map((c) => c.values),
    );
  };
  for (const outcome of await eachChunk(sendable, (chunk) => sendIsolating(chunk, call))) {
    rejected.push(...outcome.rejected);
    written.push(...outcome.written);
  }
  return { rejected, written };
}

/**
 * Deletes the records carrying the changes' keys (mirror deletes): ids come from a SOQL
 * lookup by the key Backflow wrote, so only records Backflow created or matched are touched;
 * keys matching nothing are already gone.
 */
export async function deleteThroughCollections(
  api: SalesforceApi,
  plan: StreamPlan,
  changes: readonly Change[],
): Promise<Rejection[]> {
  const ids = await findIds(api, plan, changes);
  const owners: { id: string; change: Change }[] = [];
  for (const change of changes) for (const id of ids.get(change.normalizedKey!) ?? []) owners.push({ id, change });
  const rejected: Rejection[] = [];
  const answers = await eachChunk(owners, (chunk) =>
    api.destroy(
      plan.schema.name,
      chunk.map((o) => o.id),
    ),
  );
  answers.forEach((results, n) => {
    owners.slice(n * MAX_COLLECTION, (n + 1) * MAX_COLLECTION).forEach((owner, i) => {
      const result = results[i];
      if (!result || result.success) return;
      if (result.errors.every((e) => GONE.has(e.statusCode ?? e.errorCode ?? ''))) return;
      rejected.push(...rejectFromErrors(owner.change, result.errors));
    });
  });
  return rejected;
}

/**
 * Sends `items` in calls of up to 200, `PARALLEL_CALLS` at a time, and returns the answers in
 * chunk order. A batch's changes hold distinct keys (prepareBatch collapses repeats), so its
 * chunks never race on one record; one call per round trip would otherwise bound a large
 * batch by latency, as Salesforce has no per-window request limit to wait for.
 */
async function eachChunk<T, R>(items: readonly T[], send: (chunk: readonly T[]) => Promise<R>): Promise<R[]> {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += MAX_COLLECTION)
    chunks.push(items.slice(start, start + MAX_COLLECTION));
  const answers: R[] = new Array(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const n = next++;
      try {
        answers[n] = await send(chunks[n]!);
      } catch (error) {
        // The batch fails: no further calls for it, whatever the other workers hold.
        next = chunks.length;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, chunks.length) }, worker));
  return answers;
}

async function sendIsolating(
  chunk: readonly Change[],
  call: (chunk: readonly Change[]) => Promise<SaveResult[]>,
): Promise<SendOutcome> {
  let results: SaveResult[];
  try {
    results = await call(chunk);
  } catch (error) {
    if (!(error instanceof SalesforceApiError) || !isRecordProblem(error))
      throw error instanceof SalesforceApiError ? error.toConnectorError() : error;
    if (chunk.length === 1) return { rejected: reject(chunk[0]!, error.reason(), false), written: [] };
    const half = Math.ceil(chunk.length / 2);
    const [a, b] = [await sendIsolating(chunk.slice(0, half), call), await sendIsolating(chunk.slice(half), call)];
    return { rejected: [...a.rejected, ...b.rejected], written: [...a.written, ...b.written] };
  }
  const rejected: Rejection[] = [];
  const written: Change[] = [];
  chunk.forEach((change, i) => {
    const result = results[i];
    if (result?.success) written.push(change);
    else if (result) rejected.push(...rejectFromErrors(change, result.errors));
    else rejected.push(...reject(change, "Salesforce's answer has no result for this record", true));
  });
  return { rejected, written };
}

// A 400 caused by the data of some record, not by the request's shape or the session.
function isRecordProblem(error: SalesforceApiError): boolean {
  return [
    'JSON_PARSER_ERROR',
    'INVALID_FIELD',
    'INVALID_TYPE_ON_FIELD_IN_RECORD',
    'STRING_TOO_LONG',
    'MALFORMED_ID',
    'INVALID_ID_FIELD',
    'DUPLICATE_VALUE',
  ].includes(error.errorCode);
}
