import type { Rejection } from '@backflow/protocol/connector';
import { ID, normalizeKey } from './object-schema.js';
import type { Change } from './prepare-batch.js';
import { reject } from './record-outcome.js';
import type { SalesforceApi } from './salesforce-api.js';
import type { StreamPlan } from './stream-plan.js';

/** Keeps a SOQL IN list (and its GET URL) well under Salesforce's 16,384-byte URI limit. */
const MAX_IN_LIST_CHARS = 8_000;
const MAX_IN_LIST_VALUES = 200;

/**
 * The ids of the records carrying the changes' key values (SOQL `WHERE key IN (…)`), by
 * normalized key; keys matching nothing are absent. With `Id` as the key, the ids are the
 * keys themselves and nothing is asked.
 */
export async function findIds(
  api: SalesforceApi,
  plan: StreamPlan,
  changes: readonly Change[],
): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>();
  if (plan.key === ID) {
    for (const change of changes) ids.set(change.normalizedKey!, [change.keyValue!]);
    return ids;
  }
  for (const chunk of inListChunks(changes.map((c) => c.keyValue!))) {
    const soql = `SELECT Id, ${plan.key} FROM ${plan.schema.name} WHERE ${plan.key} IN (${chunk.map(quote).join(', ')})`;
    const rows = await api.query(soql, `SOQL lookup of ${chunk.length} ${plan.schema.name} by ${plan.key}`);
    for (const row of rows) {
      const value = row[plan.key!];
      if (value === null || value === undefined) continue;
      const key = normalizeKey(plan.key!, String(value));
      ids.set(key, [...(ids.get(key) ?? []), String(row['Id'])]);
    }
  }
  return ids;
}

/** Changes an `update` can send, each with the one record id its key matches; the others rejected. */
export interface UpdateTargets {
  readonly sendable: Change[];
  /** The record id of each sendable change. */
  readonly ids: ReadonlyMap<Change, string>;
  readonly rejected: Rejection[];
}

/**
 * The records `update` changes: by `Id` directly; by an external id through a SOQL lookup,
 * since Salesforce updates only by Id (upsert would create). A key matching no record, or
 * several, is rejected: update never creates and never guesses.
 */
export async function updateTargets(
  api: SalesforceApi,
  plan: StreamPlan,
  changes: readonly Change[],
): Promise<UpdateTargets> {
  const ids = await findIds(api, plan, changes);
  const targets = { sendable: [] as Change[], ids: new Map<Change, string>(), rejected: [] as Rejection[] };
  for (const change of changes) {
    const found = ids.get(change.normalizedKey!) ?? [];
    if (found.length === 1) {
      targets.sendable.push(change);
      targets.ids.set(change, found[0]!);
    } else {
      const why =
        found.length === 0
          ? `no Salesforce ${plan.schema.name} record has ${plan.key} ${change.keyValue}; behaviour update never creates records`
          : `${found.length} Salesforce ${plan.schema.name} records have ${plan.key} ${change.keyValue}; update needs exactly one`;
      targets.rejected.push(...reject(change, why, false, plan.key));
    }
  }
  return targets;
}

function* inListChunks(values: readonly string[]): Generator<string[]> {
  let chunk: string[] = [];
  let length = 0;
  for (const value of values) {
    const size = encodeURIComponent(quote(value)).length + 3;
    if (chunk.length > 0 && (chunk.length >= MAX_IN_LIST_VALUES || length + size > MAX_IN_LIST_CHARS)) {
      yield chunk;
      chunk = [];
      length = 0;
    }
    chunk.push(value);
    length += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** A SOQL string literal: quotes and backslashes escaped. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
