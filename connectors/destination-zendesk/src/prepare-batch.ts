import {
  keyedChanges,
  type IncomingRecord,
  type KeyedChange,
  type Refusal,
  type Rejection,
} from '@backflow/protocol/connector';
import { ID, normalizeKey, type FieldSchema } from './objects.js';
import { isMetaField, type StreamPlan } from './stream-plan.js';

/** What one Zendesk item will do (`normalizedKey` as Zendesk compares keys: lower-case e-mails). */
export type Change = KeyedChange & {
  /** The item as Zendesk takes it, before assignee e-mails are resolved. */
  readonly item: Record<string, unknown>;
  /** Ticket routing: the agent's e-mail, resolved to `assignee_id` before sending. */
  readonly assigneeEmail?: string;
};

/** A batch after local checks: records already refused, and the changes left to send. */
export interface PreparedBatch {
  readonly rejected: Rejection[];
  readonly upserts: Change[];
  readonly deletes: Change[];
}

/**
 * Checks and converts a batch before anything is sent: fields must exist, enumerated values
 * must be listed, keys must be present; each failure rejects only its record. Records with
 * the same key collapse into one change (the last one wins): a bulk job naming one record
 * twice would apply both in an undefined order.
 */
export function prepareBatch(plan: StreamPlan, records: readonly IncomingRecord[]): PreparedBatch {
  const { rejected, writes, deletes } = keyedChanges<Item>(
    {
      behaviour: plan.behaviour,
      key: plan.key,
      leftInPlace: `Zendesk ${plan.schema.object.name}`,
      keyOf: (record) => keyValueOf(plan, record),
      normalize: (value) => normalizeKey(plan.schema.object.name, plan.key!, value),
      payloadOf: (record) => itemOf(plan, record),
      deletePayload: { item: {} },
    },
    records,
  );
  return { rejected, upserts: writes, deletes };
}

function keyValueOf(plan: StreamPlan, record: IncomingRecord): { value: string } | { problem: string } {
  const name = plan.key!;
  const raw = record.key[name] ?? record.data[name];
  if (raw === null || raw === undefined || String(raw).trim() === '')
    return { problem: `matching key ${name} is empty` };
  const value = String(raw).trim();
  if (name === ID && !/^\d+$/.test(value))
    return { problem: `${ID} must be a Zendesk id (digits), got ${JSON.stringify(raw)}` };
  return { value };
}

type Item = { item: Record<string, unknown>; assigneeEmail?: string };

function itemOf(plan: StreamPlan, record: IncomingRecord): Item | Refusal {
  const { object } = plan.schema;
  const item: Record<string, unknown> = {};
  let assigneeEmail: string | undefined;
  for (const [name, value] of Object.entries(record.data)) {
    if (value === undefined || isMetaField(name)) continue;
    if (name === ID) {
      if (plan.key === ID) item.id = Number(value);
      else return { problem: `${ID} is assigned by Zendesk; it is only a matching key for update`, field: name };
      continue;
    }
    if (name === object.customFields) {
      const custom = customValuesOf(plan, value);
      if ('problem' in custom) return custom;
      item[name] = custom.value;
      continue;
    }
    const schema = object.fields[name];
    if (!schema) return { problem: `${name} is not a field of Zendesk ${object.name}`, field: name };
    const problem = valueProblem(schema, value);
    if (problem) return { problem: `${name}: ${problem}`, field: name };
    if (name === 'assignee_email') assigneeEmail = value === null ? undefined : String(value);
    else item[name] = schema.type === 'integer' && typeof value === 'string' ? Number(value) : value;
  }
  if (object.name === 'tickets') shapeTicket(item);
  return assigneeEmail === undefined ? { item } : { item, assigneeEmail };
}

/** Users' and organizations' custom values go as an object by key; tickets' as `[{id, value}]`. */
function customValuesOf(plan: StreamPlan, value: unknown): { value: unknown } | Refusal {
  const { object, customFields } = plan.schema;
  const field = object.customFields;
  if (value === null) return { value: object.name === 'tickets' ? [] : {} };
  if (typeof value !== 'object' || Array.isArray(value))
    return { problem: `${field} must be an object of custom field values`, field };
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [name] of entries) {
    if (!customFields.has(name))
      return { problem: `${field}.${name} is not a custom field of Zendesk ${object.name}`, field: `${field}.${name}` };
  }
  if (object.name !== 'tickets') return { value };
  return { value: entries.map(([id, fieldValue]) => ({ id: Number(id), value: fieldValue })) };
}

// Zendesk takes a ticket's comment and requester as objects; records carry them flat.
function shapeTicket(item: Record<string, unknown>): void {
  if (item.comment_body !== undefined && item.comment_body !== null && item.comment_body !== '') {
    item.comment = { body: item.comment_body, public: item.comment_public === true };
  }
  delete item.comment_body;
  delete item.comment_public;
  if (item.requester_email !== undefined && item.requester_email !== null) {
    item.requester = { email: item.requester_email, ...(item.requester_name ? { name: item.requester_name } : {}) };
  }
  delete item.requester_email;
  delete item.requester_name;
}

function valueProblem(schema: FieldSchema, value: unknown): string | undefined {
  if (value === null) return undefined;
  const values = schema.enum as unknown[] | undefined;
  if (values && !values.includes(value)) return `${JSON.stringify(value)} is not one of ${values.join(', ')}`;
  switch (schema.type) {
    case 'integer':
      return Number.isInteger(typeof value === 'string' ? Number(value) : value)
        ? undefined
        : `${JSON.stringify(value)} is not an integer`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${JSON.stringify(value)} is not true or false`;
    case 'array':
      return Array.isArray(value) ? undefined : `${JSON.stringify(value)} is not a list`;
    default:
      return undefined;
  }
}
