import { RestError } from './errors.js';
import { TypeProblem, type Operations, type SaveResult } from './operations.js';

/** Records or ids per sObject Collections call. */
export const MAX_COLLECTION = 200;

interface CollectionBody {
  allOrNone?: unknown;
  records?: unknown;
}

/**
 * sObject Collections: `POST` creates, `PATCH` updates by `id`, `PATCH /{SObject}/{field}`
 * upserts by an external id, `DELETE ?ids=` deletes. Each answers 200 with one SaveResult per
 * record, in order. The fake implements `allOrNone: false` (what bulk loaders use) and refuses
 * `true` rather than pretending to roll back.
 */
export function handleCollection(
  ops: Operations,
  method: string,
  rest: string[],
  params: URLSearchParams,
  body: unknown,
): SaveResult[] {
  if (method === 'DELETE') {
    const ids = (params.get('ids') ?? '').split(',').filter((id) => id !== '');
    if (ids.length === 0) throw new RestError(400, 'MISSING_ARGUMENT', 'ids not specified');
    tooMany(ids.length);
    allOrNoneOff(params.get('allOrNone') === 'true');
    return ids.map((id) => ops.delete(id));
  }
  const { allOrNone, records } = (body ?? {}) as CollectionBody;
  if (!Array.isArray(records)) throw new RestError(400, 'JSON_PARSER_ERROR', 'records is required');
  tooMany(records.length);
  allOrNoneOff(allOrNone === true);
  const typed = records.map((record) => typedRecord(record));
  try {
    if (method === 'POST' && rest.length === 0)
      return typed.map(({ type, fields }) =>
        'id' in fields || 'Id' in fields
          ? {
              id: null,
              success: false,
              errors: [{ statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] }],
            }
          : ops.create(type, fields, 'json'),
      );
    if (method === 'PATCH' && rest.length === 0)
      return typed.map(({ type, fields }) => {
        const { id, Id, ...values } = fields;
        return ops.update(type, id ?? Id, values, 'json');
      });
    if (method === 'PATCH' && rest.length === 2) {
      const [objectName, keyField] = rest as [string, string];
      ops.object(objectName);
      return typed.map(({ type, fields }) =>
        type !== objectName
          ? {
              id: null,
              success: false,
              created: false,
              errors: [
                { statusCode: 'INVALID_TYPE', message: `Record type ${type} does not match ${objectName}`, fields: [] },
              ],
            }
          : ops.upsert(objectName, keyField, fields, 'json'),
      );
    }
  } catch (error) {
    if (error instanceof TypeProblem)
      throw new RestError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${error.soapType.replace('xsd:', '')} from VALUE_STRING value ${String(error.value)} or request may be missing a required field`,
      );
    throw error;
  }
  throw new RestError(
    405,
    'METHOD_NOT_ALLOWED',
    `HTTP Method '${method}' not allowed. Allowed are GET,POST,PATCH,DELETE`,
  );
}

function typedRecord(record: unknown): { type: string; fields: Record<string, unknown> } {
  if (typeof record !== 'object' || record === null)
    throw new RestError(400, 'JSON_PARSER_ERROR', 'records must be objects');
  const { attributes, ...fields } = record as { attributes?: { type?: unknown } };
  if (typeof attributes?.type !== 'string')
    throw new RestError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
  return { type: attributes.type, fields };
}

function tooMany(count: number): void {
  if (count > MAX_COLLECTION)
    throw new RestError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
    );
}

function allOrNoneOff(allOrNone: boolean): void {
  if (allOrNone) throw new RestError(400, 'FAKE_UNSUPPORTED', 'this fake implements allOrNone=false only');
}
