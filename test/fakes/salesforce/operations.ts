import { RestError, saveError, type SaveError } from './errors.js';
import type { ObjectDefinition } from './schema.js';
import type { RecordStore } from './store.js';
import { TypeProblem, validateRecord, type ValueSource } from './validation.js';

/** Salesforce's SaveResult / UpsertResult for one record. */
export interface SaveResult {
  id: string | null;
  success: boolean;
  errors: SaveError[];
  created?: boolean;
}

const ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

/**
 * The record-level write operations shared by sObject Collections and Bulk 2.0 ingest. A
 * value of the wrong type throws TypeProblem: the REST API fails the whole request
 * (JSON_PARSER_ERROR), Bulk fails only the row.
 */
export class Operations {
  constructor(
    readonly objects: ReadonlyMap<string, ObjectDefinition>,
    readonly store: RecordStore,
  ) {}

  object(name: string): ObjectDefinition {
    const object = this.objects.get(name);
    if (!object) throw new RestError(404, 'NOT_FOUND', `The requested resource does not exist`);
    return object;
  }

  create(objectName: string, input: Record<string, unknown>, source: ValueSource): SaveResult {
    const object = this.object(objectName);
    const checked = validateRecord(object, input, 'create', source, this.store);
    if ('errors' in checked) return failed(checked.errors);
    return { id: this.store.insert(object.name, checked.values).Id, success: true, errors: [] };
  }

  update(objectName: string, id: unknown, input: Record<string, unknown>, source: ValueSource): SaveResult {
    const object = this.object(objectName);
    if (typeof id !== 'string' || !ID.test(id))
      return failed([saveError('MALFORMED_ID', `malformed id ${String(id)}`, ['Id'])]);
    const record = this.store.find(id);
    if (record?.IsDeleted) return failed([saveError('ENTITY_IS_DELETED', 'entity is deleted', [])]);
    if (!record || record.object !== object.name)
      return failed([saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [])]);
    const checked = validateRecord(object, input, 'update', source, this.store, record);
    if ('errors' in checked) return failed(checked.errors);
    this.store.update(record, checked.values);
    return { id: record.Id, success: true, errors: [] };
  }

  /** Upsert by an external-id field (or Id): updates the one match, creates when none, fails on several. */
  upsert(objectName: string, keyField: string, input: Record<string, unknown>, source: ValueSource): SaveResult {
    const object = this.object(objectName);
    const key = object.fields.find((f) => f.name.toLowerCase() === keyField.toLowerCase());
    if (!key || !(key.externalId || key.name === 'Id'))
      throw new RestError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${keyField}`,
      );
    const entry = Object.entries(input).find(([name]) => name.toLowerCase() === key.name.toLowerCase());
    const value = entry?.[1];
    if (value === undefined || value === null || value === '' || value === '#N/A')
      return failed([saveError('MISSING_ARGUMENT', `${key.name} not specified`, [])], false);
    const matches =
      key.name === 'Id'
        ? [this.store.get(object.name, String(value))].filter((r) => r !== undefined)
        : this.store.findBy(object.name, key.name, String(value));
    if (matches.length > 1)
      return failed(
        [
          saveError(
            'DUPLICATE_EXTERNAL_ID',
            `${key.name}: more than one record found for external id field: ${matches.map((m) => m.Id).join(', ')}`,
            [key.name],
          ),
        ],
        false,
      );
    if (matches.length === 0) {
      const { [entry![0]]: _key, ...rest } = input;
      const result = this.create(object.name, key.name === 'Id' ? rest : input, source);
      return { ...result, created: result.success };
    }
    const { [entry![0]]: _unchanged, ...changes } = input;
    const result = this.update(object.name, matches[0]!.Id, changes, source);
    return { ...result, created: false };
  }

  delete(id: unknown): SaveResult {
    if (typeof id !== 'string' || !ID.test(id))
      return failed([saveError('MALFORMED_ID', `malformed id ${String(id)}`, [])]);
    const record = this.store.find(id);
    if (!record) return failed([saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [])]);
    if (record.IsDeleted) return failed([saveError('ENTITY_IS_DELETED', 'entity is deleted', [])]);
    this.store.delete(record);
    return { id: record.Id, success: true, errors: [] };
  }
}

function failed(errors: SaveError[], created?: boolean): SaveResult {
  return { id: null, success: false, errors, ...(created === undefined ? {} : { created }) };
}

export { TypeProblem };
