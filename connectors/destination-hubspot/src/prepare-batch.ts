import {
  keyedChanges,
  type IncomingRecord,
  type KeyedChange,
  type Refusal,
  type Rejection,
} from '@backflow/protocol/connector';
import { coerceValue } from './coerce-value.js';
import { OBJECT_ID, normalizeKey } from './object-schema.js';
import { isMetaField, type StreamPlan } from './stream-plan.js';

/** What one HubSpot input will do (`normalizedKey` as HubSpot compares keys: lower-case contact emails). */
export type Change = KeyedChange & { readonly properties: Record<string, string> };

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
  const { rejected, writes, deletes } = keyedChanges(
    {
      behaviour: plan.behaviour,
      key: plan.key,
      leftInPlace: 'HubSpot records',
      keyOf: (record) => keyValueOf(plan, record),
      normalize: (value) => normalizeKey(plan.schema, plan.key!, value),
      payloadOf: (record) => propertiesOf(plan, record),
      deletePayload: { properties: {} },
    },
    records,
  );
  return { rejected, upserts: writes, deletes };
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

function propertiesOf(plan: StreamPlan, record: IncomingRecord): { properties: Record<string, string> } | Refusal {
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
