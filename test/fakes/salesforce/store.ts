import type { ObjectDefinition } from './schema.js';

/** A value as the fake stores it: JSON scalars, dates as ISO strings. */
export type FieldValue = string | number | boolean | null;

/** One stored record: its Id, field values and the audit fields Salesforce keeps. */
export interface StoredRecord {
  readonly Id: string;
  readonly object: string;
  fields: Record<string, FieldValue>;
  CreatedDate: string;
  LastModifiedDate: string;
  /** Set on every write (Salesforce's SystemModstamp), so a reader can sync incrementally. */
  SystemModstamp: string;
  IsDeleted: boolean;
}

function add(index: Map<string, Set<StoredRecord>>, value: FieldValue | undefined, record: StoredRecord): void {
  if (value === null || value === undefined) return;
  const key = String(value).toLowerCase();
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(record);
}

const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 18-character form of a 15-character id: a case-checksum of each 5-character chunk. */
export function id18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += CHECKSUM[bits];
  }
  return id15 + suffix;
}

/**
 * Records per sObject, in insertion order. Deleted records stay in the recycle bin
 * (`IsDeleted`), as Salesforce keeps them, so a future reader can see deletions.
 */
export class RecordStore {
  private readonly objects = new Map<string, Map<string, StoredRecord>>();
  /** Live records by `object.field` and lower-cased value, built on first lookup and kept up to date. */
  private readonly indexes = new Map<string, Map<string, Set<StoredRecord>>>();
  private counter = 0;

  constructor(
    private readonly definitions: ReadonlyMap<string, ObjectDefinition>,
    private readonly now: () => number,
  ) {}

  /** A new record id with the object's key prefix (`003…` for contacts). */
  newId(object: string): string {
    const prefix = this.definitions.get(object)!.keyPrefix;
    this.counter++;
    return id18(`${prefix}5g${this.counter.toString(36).toUpperCase().padStart(10, '0')}`);
  }

  private table(object: string): Map<string, StoredRecord> {
    let table = this.objects.get(object);
    if (!table) {
      table = new Map();
      this.objects.set(object, table);
    }
    return table;
  }

  private stamp(): string {
    return new Date(this.now()).toISOString().replace('Z', '+0000');
  }

  insert(object: string, fields: Record<string, FieldValue>): StoredRecord {
    const at = this.stamp();
    const record: StoredRecord = {
      Id: this.newId(object),
      object,
      fields,
      CreatedDate: at,
      LastModifiedDate: at,
      SystemModstamp: at,
      IsDeleted: false,
    };
    this.table(object).set(record.Id, record);
    this.reindex(record, true);
    return record;
  }

  update(record: StoredRecord, fields: Record<string, FieldValue>): void {
    this.reindex(record, false);
    record.fields = { ...record.fields, ...fields };
    record.LastModifiedDate = record.SystemModstamp = this.stamp();
    this.reindex(record, true);
  }

  delete(record: StoredRecord): void {
    this.reindex(record, false);
    record.IsDeleted = true;
    record.SystemModstamp = this.stamp();
  }

  /** A live (not deleted) record by 15- or 18-character id. */
  get(object: string, id: string): StoredRecord | undefined {
    const record = this.find(id);
    return record && record.object === object && !record.IsDeleted ? record : undefined;
  }

  /** Any record, deleted or not, in any object. */
  find(id: string): StoredRecord | undefined {
    const full = id.length === 15 ? id18(id) : id;
    for (const table of this.objects.values()) {
      const record = table.get(full);
      if (record) return record;
    }
    return undefined;
  }

  /** Live records of an object whose `field` equals `value` (case-insensitively, as external ids compare). */
  findBy(object: string, field: string, value: string): StoredRecord[] {
    const name = `${object}.${field}`;
    let index = this.indexes.get(name);
    if (!index) {
      index = new Map();
      this.indexes.set(name, index);
      for (const record of this.list(object)) add(index, record.fields[field], record);
    }
    return [...(index.get(value.toLowerCase()) ?? [])];
  }

  private reindex(record: StoredRecord, live: boolean): void {
    for (const [name, index] of this.indexes) {
      const [object, field] = name.split('.') as [string, string];
      if (object !== record.object) continue;
      if (live) add(index, record.fields[field], record);
      else index.get(String(record.fields[field] ?? '').toLowerCase())?.delete(record);
    }
  }

  /** Live records of an object, or with `{ deleted: true }` also those in the recycle bin. */
  list(object: string, options: { deleted?: boolean } = {}): StoredRecord[] {
    return [...this.table(object).values()].filter((record) => options.deleted || !record.IsDeleted);
  }

  /** Records put there by another tool, bypassing validation; returns their ids. */
  seed(object: string, rows: Record<string, FieldValue>[]): string[] {
    return rows.map((fields) => this.insert(object, { ...fields }).Id);
  }

  /** A record's fields together with its Id and audit fields, as a query returns them. */
  static view(record: StoredRecord): Record<string, FieldValue> {
    return {
      Id: record.Id,
      ...record.fields,
      IsDeleted: record.IsDeleted,
      CreatedDate: record.CreatedDate,
      LastModifiedDate: record.LastModifiedDate,
      SystemModstamp: record.SystemModstamp,
    };
  }
}
