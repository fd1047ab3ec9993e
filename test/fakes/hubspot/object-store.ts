import { createdProperty } from './schema.js';
import type { SchemaRegistry } from './schema.js';
import type { ObjectTypeDef, StoredRecord } from './types.js';
import { checkProperties } from './validation.js';

/** A record as tests see it: every stored property plus the ones HubSpot computes. */
export interface PublicRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** A record to pre-create, as if another tool had written it. */
export interface SeedRecord {
  properties: Record<string, string>;
  id?: string;
  createdAt?: number;
}

/** Properties whose values identify one record: `email` for contacts, and every `hasUniqueValue` property. */
export function uniqueProperties(type: ObjectTypeDef): string[] {
  const unique = [...type.properties.values()].filter((p) => p.hasUniqueValue).map((p) => p.name);
  return type.name === 'contacts' ? ['email', ...unique] : unique;
}

/** In-memory CRM records per object type, with the lookups the handlers need. */
export class ObjectStore {
  private readonly records = new Map<string, Map<string, StoredRecord>>();
  private nextId = 51_001;

  constructor(
    private readonly schema: SchemaRegistry,
    private readonly now: () => number,
  ) {}

  /** Records of a type in id order; archived ones only when asked for. */
  list(objectType: string, options: { archived?: boolean } = {}): PublicRecord[] {
    const type = this.type(objectType);
    return this.all(type)
      .filter((record) => record.archived === (options.archived ?? false))
      .map((record) => this.toPublic(type, record));
  }

  /** One record by id, archived or not. */
  get(objectType: string, id: string): PublicRecord | undefined {
    const type = this.type(objectType);
    const record = this.table(type).get(id);
    return record && this.toPublic(type, record);
  }

  /**
   * Pre-creates records "written by another tool". Values are validated like an API write,
   * so a seed cannot hold what HubSpot would refuse; throws on any problem.
   */
  seed(objectType: string, records: SeedRecord[]): PublicRecord[] {
    const type = this.type(objectType);
    return records.map((seed) => {
      const { values, problems } = checkProperties(type, seed.properties);
      if (problems.length > 0) throw new Error(`seed ${type.name}: ${problems.map((p) => p.message).join('; ')}`);
      for (const name of uniqueProperties(type)) {
        const value = values[name];
        if (value && this.findByProperty(type, name, value)) {
          throw new Error(`seed ${type.name}: ${name}=${value} already exists`);
        }
      }
      if (seed.id && this.table(type).has(seed.id)) throw new Error(`seed ${type.name}: id ${seed.id} exists`);
      const record = this.insert(type, values, seed.id);
      if (seed.createdAt !== undefined) record.createdAt = seed.createdAt;
      return this.toPublic(type, record);
    });
  }

  all(type: ObjectTypeDef): StoredRecord[] {
    return [...this.table(type).values()].sort((a, b) => Number(a.id) - Number(b.id));
  }

  findById(type: ObjectTypeDef, id: string): StoredRecord | undefined {
    const record = this.table(type).get(id);
    return record && !record.archived ? record : undefined;
  }

  findByProperty(type: ObjectTypeDef, name: string, value: string): StoredRecord | undefined {
    const wanted = type.name === 'contacts' && name === 'email' ? value.toLowerCase() : value;
    for (const record of this.table(type).values()) {
      if (!record.archived && record.properties[name] === wanted) return record;
    }
    return undefined;
  }

  insert(type: ObjectTypeDef, values: Record<string, string | null>, id?: string): StoredRecord {
    const now = this.now();
    const record: StoredRecord = {
      id: id ?? String(this.nextId++),
      properties: { ...values },
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    this.table(type).set(record.id, record);
    return record;
  }

  patch(record: StoredRecord, values: Record<string, string | null>): void {
    Object.assign(record.properties, values);
    record.updatedAt = this.now();
  }

  archive(record: StoredRecord): void {
    record.archived = true;
    record.archivedAt = this.now();
  }

  /** The value a read returns for a property, including the ones HubSpot computes. */
  value(type: ObjectTypeDef, record: StoredRecord, name: string): string | null {
    if (name === 'hs_object_id') return record.id;
    if (name === type.lastModifiedProperty) return new Date(record.updatedAt).toISOString();
    if (name === createdProperty(type)) return record.properties[name] ?? new Date(record.createdAt).toISOString();
    return record.properties[name] ?? null;
  }

  toPublic(type: ObjectTypeDef, record: StoredRecord): PublicRecord {
    const names = new Set(['hs_object_id', createdProperty(type), type.lastModifiedProperty]);
    for (const name of Object.keys(record.properties)) names.add(name);
    const properties: Record<string, string | null> = {};
    for (const name of [...names].sort()) properties[name] = this.value(type, record, name);
    return {
      id: record.id,
      properties,
      createdAt: new Date(record.createdAt).toISOString(),
      updatedAt: new Date(record.updatedAt).toISOString(),
      archived: record.archived,
    };
  }

  private type(objectType: string): ObjectTypeDef {
    const type = this.schema.resolve(objectType);
    if (!type) throw new Error(`unknown object type ${objectType}`);
    return type;
  }

  private table(type: ObjectTypeDef): Map<string, StoredRecord> {
    let table = this.records.get(type.name);
    if (!table) {
      table = new Map();
      this.records.set(type.name, table);
    }
    return table;
  }
}
