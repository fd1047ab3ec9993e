import { ID, normalizeKey } from './object-schema.js';
import type { Change } from './prepare-batch.js';
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
