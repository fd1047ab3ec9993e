import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import { coerceValue } from './coerce-value.js';
import { OBJECT_ID, normalizeKey } from './object-schema.js';
import { isMetaField, type StreamPlan } from './stream-plan.js';

/** What one HubSpot input will do, and the batch records it stands for. */
export interface Change {
  /** Indices of the records in the batch; several when the same key came more than once. */
  readonly indices: number[];
  /** The matching key's value as sent to HubSpot; undefined for `insert`. */
  readonly keyValue: string | undefined;
  /** `keyValue` as HubSpot compares it (lower-case contact emails). */
  readonly normalizedKey: string | undefined;
  readonly properties: Record<string, string>;
}

/** A batch after local checks: records already refused, and the changes left to send. */
export interface PreparedBatch {
  readonly rejected: Rejection[];
  readonly upserts: Change[];
  readonly deletes: Change[];
}

/**
 * Checks and converts a batch before anything is sent: properties must exist and be
 * writable, values must fit their type, keys must be present; each failure rejects only its
 * record. Records with the same key collapse into one change (the last one wins), since
 * HubSpot refuses a batch naming one record twice.
 */
export function prepareBatch(plan: StreamPlan, records: readonly IncomingRecord[]): PreparedBatch {
  const rejected: Rejection[] = [];
  const byKey = new Map<string, { change: Change; remove: boolean }>();
  const inserts: Change[] = [];
  records.forEach((record, index) => {
    if (record.operation === 'delete' && plan.behaviour !== 'mirror') {
      rejected.push({
        index,
        reason: `delete records are applied only by behaviour mirror; ${plan.behaviour} leaves HubSpot records in place`,
        retryable: false,
      });
      return;
    }
    const key = plan.key === undefined ? undefined : keyValueOf(plan, record);
    if (key !== undefined && 'problem' in key) {
      rejected.push({ index, reason: key.problem, retryable: false, field: plan.key! });
      return;
    }
    const converted = record.operation === 'delete' ? { properties: {} } : propertiesOf(plan, record);
    if ('problem' in converted) {
      rejected.push({ index, reason: converted.problem, retryable: false, field: converted.field });
      return;
    }
    const { properties } = converted;
    if (key === undefined) {
      inserts.push({ indices: [index], keyValue: undefined, normalizedKey: undefined, properties });
      return;
    }
    const normalizedKey = normalizeKey(plan.schema, plan.key!, key.value);
    const earlier = byKey.get(normalizedKey);
    const indices = [...(earlier?.change.indices ?? []), index];
    byKey.set(normalizedKey, {
      change: { indices, keyValue: key.value, normalizedKey, properties },
      remove: record.operation === 'delete',
    });
  });
  const keyed = [...byKey.values()];
  return {
    rejected,
    upserts: [...inserts, ...keyed.filter((entry) => !entry.remove).map((entry) => entry.change)],
    deletes: keyed.filter((entry) => entry.remove).map((entry) => entry.change),
  };
}

function keyValueOf(plan: StreamPlan, record: IncomingRecord): { value: string } | { problem: string } {
  const name = plan.key!;
  const raw = record.key[name] ?? record.data[name];
  if (raw === null || raw === undefined || raw === '') return { problem: `matching key ${name} is empty` };
  if (name === OBJECT_ID) {
    const text = String(raw).trim();
    return /^\d+$/.test(text)
      ? { value: text }
      : { problem: `${OBJECT_ID} must be a HubSpot record id (digits), got ${JSON.stringify(raw)}` };
  }
  const coerced = coerceValue(plan.schema.properties.get(name)!, raw);
  if ('problem' in coerced) return { problem: `matching key ${name}: ${coerced.problem}` };
  return coerced.value === '' ? { problem: `matching key ${name} is empty` } : coerced;
}

function propertiesOf(
  plan: StreamPlan,
  record: IncomingRecord,
): { properties: Record<string, string> } | { problem: string; field: string } {
  const properties: Record<string, string> = {};
  for (const [name, raw] of Object.entries(record.data)) {
    if (raw === undefined || isMetaField(name) || (name === OBJECT_ID && plan.key === OBJECT_ID)) continue;
    const property = plan.schema.properties.get(name);
    if (!property) return { problem: `${name} is not a property of HubSpot ${plan.schema.objectType}`, field: name };
    if (property.readOnly) return { problem: `${name} is computed by HubSpot and cannot be written`, field: name };
    const coerced = coerceValue(property, raw);
    if ('problem' in coerced) return { problem: `${name}: ${coerced.problem}`, field: name };
    properties[name] = coerced.value;
  }
  return { properties };
}
