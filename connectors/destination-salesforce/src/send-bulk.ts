import type { Rejection } from '@backflow/protocol/connector';
import { waitForJob, type JobPolling } from '@backflow/salesforce-common';
import { stringify } from 'csv-stringify/sync';
import { findIds, updateTargets } from './find-ids.js';
import { ID, normalizeKey } from './object-schema.js';
import type { Change, FieldValue } from './prepare-batch.js';
import { parseBulkError, reject, rejectFromErrors, type SendOutcome } from './record-outcome.js';
import type { IngestOperation, JobInfo, JobResults, SalesforceApi } from './salesforce-api.js';
import type { StreamPlan } from './stream-plan.js';

/** Bulk 2.0 sets a field to null with this value; an empty one leaves the field as it is. */
export const BULK_NULL = '#N/A';

export type BulkOptions = JobPolling;

/** One row of a job and the change it stands for. */
interface Row {
  readonly change: Change;
  readonly match: string;
}

/**
 * Writes changes through one Bulk API 2.0 ingest job: a CSV upload (LF line endings, `#N/A`
 * for null), close, polls with growing waits on the injected clock, then the successful,
 * failed and unprocessed result sets, matched back to records by the key column (`Id` for
 * update and delete; the whole row for insert, which has no key). A failed job rejects the
 * records it did not process with Salesforce's reason.
 */
export async function writeThroughBulk(
  api: SalesforceApi,
  plan: StreamPlan,
  changes: readonly Change[],
  options: BulkOptions,
): Promise<SendOutcome> {
  const rejected: Rejection[] = [];
  const targets = plan.behaviour === 'update' ? await updateTargets(api, plan, changes) : undefined;
  rejected.push(...(targets?.rejected ?? []));
  const sendable = targets?.sendable ?? changes;
  const operation: IngestOperation =
    plan.behaviour === 'insert' ? 'insert' : plan.behaviour === 'update' ? 'update' : 'upsert';
  const records = sendable.map((change) =>
    operation === 'update' ? { Id: targets!.ids.get(change)!, ...change.values } : change.values,
  );
  const outcome = await runJob(api, plan, operation, sendable, records, options);
  return { rejected: [...rejected, ...outcome.rejected], written: outcome.written };
}

/** Deletes the records carrying the changes' keys through one Bulk 2.0 `delete` job (ids from SOQL). */
export async function deleteThroughBulk(
  api: SalesforceApi,
  plan: StreamPlan,
  changes: readonly Change[],
  options: BulkOptions,
): Promise<Rejection[]> {
  const ids = await findIds(api, plan, changes);
  const owners: Change[] = [];
  const records: Record<string, FieldValue>[] = [];
  for (const change of changes)
    for (const id of ids.get(change.normalizedKey!) ?? []) {
      owners.push({ ...change, keyValue: id, normalizedKey: normalizeKey(ID, id) });
      records.push({ Id: id });
    }
  if (owners.length === 0) return [];
  const outcome = await runJob(api, plan, 'delete', owners, records, options, true);
  return outcome.rejected;
}

async function runJob(
  api: SalesforceApi,
  plan: StreamPlan,
  operation: IngestOperation,
  changes: readonly Change[],
  records: Record<string, FieldValue>[],
  options: BulkOptions,
  goneIsDone = false,
): Promise<SendOutcome> {
  if (changes.length === 0) return { rejected: [], written: [] };
  const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
  const cells = records.map((record) => columns.map((column) => cell(record[column])));
  const matchColumn = operation === 'upsert' ? plan.key! : operation === 'insert' ? undefined : ID;
  const rows: Row[] = changes.map((change, i) => ({ change, match: matchOf(matchColumn, columns, cells[i]!) }));
  const csv = stringify([columns, ...cells], { record_delimiter: 'unix' });
  const id = await api.startJob(plan.schema.name, operation, plan.key, csv, records.length);
  const info = await waitForJob(id, () => api.jobInfo(id), options);
  const results = await api.jobResults(id);
  return outcomesOf(rows, matchColumn, columns, info, results, goneIsDone);
}

function outcomesOf(
  rows: readonly Row[],
  matchColumn: string | undefined,
  columns: readonly string[],
  info: JobInfo,
  results: JobResults,
  goneIsDone: boolean,
): SendOutcome {
  const pending = new Map<string, Row[]>();
  for (const row of rows) pending.set(row.match, [...(pending.get(row.match) ?? []), row]);
  const take = (result: Record<string, string>): Row | undefined => {
    const match = matchOf(
      matchColumn,
      columns,
      columns.map((c) => result[c] ?? ''),
    );
    const queue = pending.get(match);
    const row = queue?.shift();
    if (queue && queue.length === 0) pending.delete(match);
    return row;
  };
  const rejected: Rejection[] = [];
  const written: Change[] = [];
  for (const result of results.successful) {
    const row = take(result);
    if (row) written.push(row.change);
  }
  for (const result of results.failed) {
    const row = take(result);
    if (!row) continue;
    const errors = parseBulkError(result['sf__Error'] ?? '');
    if (
      goneIsDone &&
      errors.every((e) => e.statusCode === 'ENTITY_IS_DELETED' || e.statusCode === 'INVALID_CROSS_REFERENCE_KEY')
    )
      continue;
    rejected.push(...rejectFromErrors(row.change, errors));
  }
  const why =
    info.state === 'JobComplete'
      ? `Bulk 2.0 job ${info.id} returned no result for this record`
      : `Bulk 2.0 job ${info.id} ${info.state === 'Failed' ? 'failed' : 'was aborted'}: ${info.errorMessage ?? 'no reason given'}`;
  for (const queue of pending.values()) for (const row of queue) rejected.push(...reject(row.change, why, false));
  return { rejected, written };
}

function cell(value: FieldValue | undefined): string {
  if (value === undefined) return '';
  if (value === null || value === '') return BULK_NULL;
  return String(value);
}

function matchOf(column: string | undefined, columns: readonly string[], cells: readonly string[]): string {
  if (column === undefined) return cells.join('\u0000');
  const value = cells[columns.indexOf(column)] ?? '';
  return normalizeKey(column === ID ? ID : column, value);
}
