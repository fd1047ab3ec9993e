import type { SyncBehaviour } from '../types.js';
import type { IncomingRecord, Rejection } from './definitions.js';

/** What one write to the tool will do, and the batch records it stands for. */
export interface KeyedChange {
  /** Indices of the records in the batch; several when the same key came more than once. */
  readonly indices: number[];
  /** The matching key's value as sent; undefined for `insert`. */
  readonly keyValue: string | undefined;
  /** `keyValue` as the tool compares keys (e.g. lower-case e-mails). */
  readonly normalizedKey: string | undefined;
}

/** Why a record cannot be sent, naming the field at fault. */
export interface Refusal {
  readonly problem: string;
  readonly field: string;
}

/** How one destination reads a record's key and turns the record into what its API takes. */
export interface KeyedChangeRules<Payload extends object> {
  readonly behaviour: SyncBehaviour;
  /** The matching key; undefined when records have none (`insert`). */
  readonly key: string | undefined;
  /** What a delete record outside `mirror` leaves alone, for its rejection: e.g. `HubSpot records`. */
  readonly leftInPlace: string;
  keyOf(record: IncomingRecord): { value: string } | { problem: string };
  normalize(keyValue: string): string;
  /** A record's payload, or why it cannot be sent; `keyValue` is undefined for an insert. */
  payloadOf(record: IncomingRecord, keyValue: string | undefined): Payload | Refusal;
  /** The payload of a delete, which sends only its key. */
  readonly deletePayload: Payload;
}

/** A batch after local checks: records already refused, and the changes left to send. */
export interface KeyedChanges<Payload extends object> {
  readonly rejected: Rejection[];
  /** Inserts first, then one change per key. */
  readonly writes: (KeyedChange & Payload)[];
  readonly deletes: (KeyedChange & Payload)[];
}

/**
 * Checks and converts a batch before anything is sent: a delete outside `mirror`, a missing
 * or malformed key and a payload the rules refuse each reject only their record. Records with
 * the same key collapse into one change, the last one winning, with every index it stands for:
 * CRM batch APIs refuse (or apply in no defined order) a batch naming one record twice.
 */
export function keyedChanges<Payload extends object>(
  rules: KeyedChangeRules<Payload>,
  records: readonly IncomingRecord[],
): KeyedChanges<Payload> {
  const rejected: Rejection[] = [];
  const inserts: (KeyedChange & Payload)[] = [];
  const byKey = new Map<string, { change: KeyedChange & Payload; remove: boolean }>();
  records.forEach((record, index) => {
    if (record.operation === 'delete' && rules.behaviour !== 'mirror') {
      rejected.push({
        index,
        reason: `delete records are applied only by behaviour mirror; ${rules.behaviour} leaves ${rules.leftInPlace} in place`,
        retryable: false,
      });
      return;
    }
    const key = rules.key === undefined ? undefined : rules.keyOf(record);
    if (key !== undefined && 'problem' in key) {
      rejected.push({ index, reason: key.problem, retryable: false, field: rules.key! });
      return;
    }
    const payload = record.operation === 'delete' ? rules.deletePayload : rules.payloadOf(record, key?.value);
    if (isRefusal(payload)) {
      rejected.push({ index, reason: payload.problem, retryable: false, field: payload.field });
      return;
    }
    if (key === undefined) {
      inserts.push({ indices: [index], keyValue: undefined, normalizedKey: undefined, ...payload });
      return;
    }
    const normalizedKey = rules.normalize(key.value);
    const indices = [...(byKey.get(normalizedKey)?.change.indices ?? []), index];
    byKey.set(normalizedKey, {
      change: { indices, keyValue: key.value, normalizedKey, ...payload },
      remove: record.operation === 'delete',
    });
  });
  const keyed = [...byKey.values()];
  return {
    rejected,
    writes: [...inserts, ...keyed.filter((entry) => !entry.remove).map((entry) => entry.change)],
    deletes: keyed.filter((entry) => entry.remove).map((entry) => entry.change),
  };
}

function isRefusal(value: object): value is Refusal {
  return 'problem' in value && 'field' in value;
}
