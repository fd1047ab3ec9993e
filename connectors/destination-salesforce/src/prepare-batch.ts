import {
  keyedChanges,
  type IncomingRecord,
  type KeyedChange,
  type Refusal,
  type Rejection,
} from '@backflow/protocol/connector';
import { coerceValue } from './coerce-value.js';
import { fieldOf, ID, normalizeKey } from './object-schema.js';
import { isMetaField, type StreamPlan } from './stream-plan.js';

/** A value sent to Salesforce. */
export type FieldValue = string | number | boolean | null;

/** What one Salesforce record write will do: field values by the object's field names (the key included for upsert). */
export type Change = KeyedChange & { readonly values: Record<string, FieldValue> };

/** A batch after local checks: records already refused, and the changes left to send. */
export interface PreparedBatch {
  readonly rejected: Rejection[];
  readonly writes: Change[];
  readonly deletes: Change[];
}

/**
 * Checks and converts a batch before anything is sent: values must fit their field's type
 * and keys must be present; each failure rejects only its record, naming the field. Records
 * with the same key collapse into one change (the last wins): Salesforce refuses a
 * collection naming one record twice.
 */
export function prepareBatch(plan: StreamPlan, records: readonly IncomingRecord[]): PreparedBatch {
  return keyedChanges(
    {
      behaviour: plan.behaviour,
      key: plan.key,
      leftInPlace: 'Salesforce records',
      keyOf: (record) => keyValueOf(plan, record),
      normalize: (value) => normalizeKey(plan.key!, value),
      payloadOf: (record, keyValue) => {
        const converted = valuesOf(plan, record);
        if ('problem' in converted || keyValue === undefined || plan.behaviour === 'update') return converted;
        return { values: { ...converted.values, [plan.key!]: keyValue } };
      },
      deletePayload: { values: {} },
    },
    records,
  );
}

const RECORD_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

function keyValueOf(plan: StreamPlan, record: IncomingRecord): { value: string } | { problem: string } {
  const name = plan.key!;
  const raw =
    record.key[name] ??
    record.data[name] ??
    Object.entries(record.data).find(([field]) => field.toLowerCase() === name.toLowerCase())?.[1];
  if (raw === null || raw === undefined || String(raw).trim() === '')
    return { problem: `matching key ${name} is empty` };
  const value = String(raw).trim();
  if (name === ID && !RECORD_ID.test(value))
    return { problem: `Id must be a Salesforce record id (15 or 18 letters and digits), got ${JSON.stringify(raw)}` };
  return { value };
}

function valuesOf(plan: StreamPlan, record: IncomingRecord): { values: Record<string, FieldValue> } | Refusal {
  const values: Record<string, FieldValue> = {};
  for (const [name, raw] of Object.entries(record.data)) {
    if (raw === undefined || isMetaField(name) || (plan.key === ID && name.toLowerCase() === 'id')) continue;
    const field = plan.fields.get(name) ?? fieldOf(plan.schema, name);
    if (!field) return { problem: `${name} is not a field of Salesforce ${plan.schema.name}`, field: name };
    if (field.name === plan.key) continue;
    const coerced = coerceValue(field, raw);
    if ('problem' in coerced) return { problem: `${field.name}: ${coerced.problem}`, field: field.name };
    values[field.name] = coerced.value;
  }
  return { values };
}
