import type { FakeRequest, FakeResponse, HandlerContext } from './context.js';
import { HttpError, errorBody, invalidInputJson, validationError } from './errors.js';
import type { ErrorBody } from './errors.js';
import { uniqueProperties } from './object-store.js';
import { toSimplePublicObject } from './serialize.js';
import type { SimplePublicObject } from './serialize.js';
import type { BatchOperation, ObjectTypeDef, StoredRecord } from './types.js';
import { checkProperties } from './validation.js';
import type { PropertyProblem } from './validation.js';

/** Request models named in HubSpot's binding errors, per batch operation. */
const INPUT_MODEL: Record<BatchOperation, string> = {
  create: 'BatchInputSimplePublicObjectBatchInputForCreate',
  update: 'BatchInputSimplePublicObjectBatchInput',
  upsert: 'BatchInputSimplePublicObjectBatchInputUpsert',
  read: 'BatchReadInputSimplePublicObjectId',
  archive: 'BatchInputSimplePublicObjectId',
};

const ITEM_MODEL: Record<'create' | 'update' | 'upsert', string> = {
  create: 'SimplePublicObjectBatchInputForCreate',
  update: 'SimplePublicObjectBatchInput',
  upsert: 'SimplePublicObjectBatchInputUpsert',
};

const HISTORY_BATCH_LIMIT = 50;

type Json = Record<string, unknown>;

/** Why one input of a write batch cannot be applied. */
type Failure =
  { kind: 'invalid'; problems: PropertyProblem[] } | { kind: 'conflict'; property: string; existingId: string };

interface Plan {
  traceId?: string;
  written: string[];
  isNew?: boolean;
  apply: () => StoredRecord;
}

/** `skipped`: a batch update naming a record that does not exist (HubSpot drops it silently). */
type Outcome = { index: number; failure: Failure } | { index: number; plan: Plan } | { index: number; skipped: true };

/** Routes `POST /crm/v3/objects/{type}/batch/{operation}`. */
export function handleBatch(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  operation: BatchOperation,
  request: FakeRequest,
): FakeResponse {
  const body = asObject(request.body, INPUT_MODEL[operation]);
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw missingAttributes(INPUT_MODEL[operation], ['inputs']);
  if (inputs.length > ctx.maxBatchSize) {
    throw validationError(
      `The maximum number of inputs supported in a batch request is ${ctx.maxBatchSize}. ` +
        `Received ${inputs.length}. Please reduce the number of items and try again`,
    );
  }
  switch (operation) {
    case 'read':
      return batchRead(ctx, type, body, inputs, request.params);
    case 'archive':
      return batchArchive(ctx, type, inputs);
    default:
      return batchWrite(ctx, type, operation, inputs);
  }
}

function batchWrite(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  operation: 'create' | 'update' | 'upsert',
  rawInputs: unknown[],
): FakeResponse {
  const startedAt = new Date(ctx.now()).toISOString();
  const inputs = rawInputs.map((input) => withStringId(asObject(input, ITEM_MODEL[operation])));
  const multiStatus = ctx.multiStatusOperations.has(operation) && hasUniqueTraceIds(inputs);
  if (operation !== 'create') checkTargets(ctx, type, operation, inputs);

  const claimed = new Map<string, number>();
  const outcomes: Outcome[] = inputs.map((input, index) => {
    const planned = planWrite(ctx, type, operation, input, claimed, index);
    if (planned === 'skipped') return { index, skipped: true };
    return 'kind' in planned ? { index, failure: planned } : { index, plan: planned };
  });

  const failures = outcomes.filter((o): o is Extract<Outcome, { failure: Failure }> => 'failure' in o);
  if (!multiStatus && failures[0]) throw wholeBatchError(ctx, type, failures[0].failure);

  const results = outcomes.flatMap((outcome) => {
    if (!('plan' in outcome)) return [];
    const { plan } = outcome;
    const record = plan.apply();
    const result: SimplePublicObject & { new?: boolean } = {
      ...toSimplePublicObject(ctx.store, type, record, plan.written),
      ...(plan.traceId !== undefined ? { objectWriteTraceId: plan.traceId } : {}),
    };
    if (operation === 'upsert') result.new = plan.isNew ?? false;
    return [result];
  });
  const completedAt = new Date(ctx.now()).toISOString();
  const envelope = { status: 'COMPLETE', results, requestedAt: startedAt, startedAt, completedAt };
  // A batch update that skipped unknown ids answers 207 with neither their results nor errors,
  // as observed on HubSpot: callers must compare results with inputs.
  if (failures.length > 0 || outcomes.some((o) => 'skipped' in o)) {
    const errors = failures.map(({ index, failure }) =>
      standardError(ctx, type, failure, traceIdOf(inputs[index] as Json)),
    );
    return { status: 207, body: { ...envelope, numErrors: errors.length, errors } };
  }
  return { status: operation === 'create' ? 201 : 200, body: envelope };
}

/**
 * Rules that reject an update or upsert batch as a whole: the identifying property must be a
 * unique one (HubSpot: "Unable to perform update/upsert by non-unique ... property"), and no
 * two inputs may name the same record.
 */
function checkTargets(ctx: HandlerContext, type: ObjectTypeDef, operation: 'update' | 'upsert', inputs: Json[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const input of inputs) {
    if (typeof input.id !== 'string' || !isObjectValue(input.properties)) {
      throw missingAttributes(ITEM_MODEL[operation], missingOf(input, ['id', 'properties']));
    }
    const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
    if (operation === 'upsert' || idProperty !== undefined) {
      const name = idProperty ?? 'hs_object_id';
      // Contacts upsert by email; batch update by email is refused like any non-unique property.
      const allowed = uniqueProperties(type).filter(
        (p) => operation === 'upsert' || p !== 'email' || type.name !== 'contacts',
      );
      if (!allowed.includes(name)) throw nonUniqueIdProperty(ctx, type, name);
    }
    const key = `${idProperty ?? ''}\u0000${normalizeKey(type, idProperty, input.id)}`;
    if (seen.has(key)) duplicates.add(input.id);
    seen.add(key);
  }
  if (duplicates.size > 0) {
    const ids = [...duplicates];
    throw validationError(`Duplicate IDs found in batch input: [${ids.join(', ')}]. IDs must be unique`, {
      context: { ids },
    });
  }
}

function planWrite(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  operation: 'create' | 'update' | 'upsert',
  input: Json,
  claimed: Map<string, number>,
  index: number,
): Failure | Plan | 'skipped' {
  if (operation === 'create') checkCreateInput(input);
  const { values, problems } = checkProperties(type, input.properties);
  const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
  const id = typeof input.id === 'string' ? input.id : '';
  let target: StoredRecord | undefined;
  if (operation === 'update') {
    target = idProperty ? ctx.store.findByProperty(type, idProperty, id) : ctx.store.findById(type, id);
    if (!target) return 'skipped';
  }
  if (operation === 'upsert' && idProperty) {
    const key = checkProperties(type, { [idProperty]: id });
    if (key.problems.length > 0) problems.push(...key.problems);
    else values[idProperty] = key.values[idProperty] ?? id;
    target = ctx.store.findByProperty(type, idProperty, values[idProperty] ?? id);
  }
  if (problems.length > 0) return { kind: 'invalid', problems };
  const conflict = findConflict(ctx, type, values, target, claimed, index);
  if (conflict) return conflict;

  const written = Object.keys(values);
  const traceId = traceIdOf(input);
  const existing = target;
  return {
    ...(traceId !== undefined ? { traceId } : {}),
    written,
    isNew: existing === undefined,
    apply: () => {
      if (!existing) return ctx.store.insert(type, values);
      ctx.store.patch(existing, values);
      return existing;
    },
  };
}

// A unique value may belong to one live record only, counting earlier inputs of the same batch.
function findConflict(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  values: Record<string, string | null>,
  target: StoredRecord | undefined,
  claimed: Map<string, number>,
  index: number,
): Failure | undefined {
  for (const property of uniqueProperties(type)) {
    const value = values[property];
    if (!value) continue;
    const owner = ctx.store.findByProperty(type, property, value);
    if (owner && owner !== target) return { kind: 'conflict', property, existingId: owner.id };
    const key = `${property}\u0000${value}`;
    const earlier = claimed.get(key);
    if (earlier !== undefined && earlier !== index) {
      return { kind: 'conflict', property, existingId: target?.id ?? '(created earlier in this batch)' };
    }
    claimed.set(key, index);
  }
  return undefined;
}

function batchRead(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  body: Json,
  inputs: unknown[],
  params: URLSearchParams,
): FakeResponse {
  const missingTop = missingOf(body, ['properties', 'propertiesWithHistory']).filter(
    (name) => !Array.isArray(body[name]),
  );
  if (missingTop.length > 0) throw missingAttributes(INPUT_MODEL.read, missingTop);
  const properties = (body.properties as unknown[]).filter((p): p is string => typeof p === 'string');
  const history = (body.propertiesWithHistory as unknown[]).filter((p): p is string => typeof p === 'string');
  if (history.length > 0 && inputs.length > HISTORY_BATCH_LIMIT) {
    throw validationError(
      `The maximum number of inputs supported in a batch request for property histories is ${HISTORY_BATCH_LIMIT}. ` +
        'Please reduce the number of items and try again',
    );
  }
  const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
  if (idProperty && idProperty !== 'hs_object_id' && !uniqueProperties(type).includes(idProperty)) {
    throw nonUniqueIdProperty(ctx, type, idProperty);
  }
  const archived = params.get('archived') === 'true';
  const startedAt = new Date(ctx.now()).toISOString();
  const results: SimplePublicObject[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const raw of inputs) {
    const input = withStringId(asObject(raw, 'SimplePublicObjectId'));
    if (typeof input.id !== 'string') throw missingAttributes('SimplePublicObjectId', ['id']);
    if (seen.has(input.id)) continue;
    seen.add(input.id);
    const record = findForRead(ctx, type, idProperty, input.id, archived);
    if (!record) {
      missing.push(input.id);
      continue;
    }
    const result = toSimplePublicObject(ctx.store, type, record, properties);
    results.push(history.length > 0 ? withHistory(ctx, type, record, result, history) : result);
  }
  const completedAt = new Date(ctx.now()).toISOString();
  const envelope = { status: 'COMPLETE', results, requestedAt: startedAt, startedAt, completedAt };
  if (missing.length === 0) return { status: 200, body: envelope };
  const notFound = notFoundBody(type, missing);
  if (results.length === 0) return { status: 404, body: notFound };
  const { correlationId: _unused, ...error } = notFound;
  return {
    status: 207,
    body: { ...envelope, numErrors: 1, errors: [{ ...error, errors: [], links: {} }] },
  };
}

function findForRead(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  idProperty: string | undefined,
  id: string,
  archived: boolean,
): StoredRecord | undefined {
  if (archived) {
    return ctx.store
      .all(type)
      .find(
        (r) =>
          r.archived && (idProperty && idProperty !== 'hs_object_id' ? r.properties[idProperty] === id : r.id === id),
      );
  }
  return idProperty && idProperty !== 'hs_object_id'
    ? ctx.store.findByProperty(type, idProperty, id)
    : ctx.store.findById(type, id);
}

function withHistory(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  record: StoredRecord,
  result: SimplePublicObject,
  names: string[],
): SimplePublicObject & { propertiesWithHistory: Record<string, unknown[]> } {
  const propertiesWithHistory: Record<string, unknown[]> = {};
  for (const name of names.filter((n) => type.properties.has(n))) {
    const value = ctx.store.value(type, record, name);
    propertiesWithHistory[name] =
      value === null ? [] : [{ value, timestamp: new Date(record.updatedAt).toISOString(), sourceType: 'API' }];
  }
  return { ...result, propertiesWithHistory };
}

// Archiving is idempotent: ids that do not exist (or are already archived) are ignored, as
// HubSpot answers 204 for them.
function batchArchive(ctx: HandlerContext, type: ObjectTypeDef, inputs: unknown[]): FakeResponse {
  const ids = inputs.map((raw) => {
    const input = withStringId(asObject(raw, 'SimplePublicObjectId'));
    if (typeof input.id !== 'string') throw missingAttributes('SimplePublicObjectId', ['id']);
    return input.id;
  });
  for (const id of ids) {
    const record = ctx.store.findById(type, id);
    if (record) ctx.store.archive(record);
  }
  return { status: 204 };
}

function wholeBatchError(ctx: HandlerContext, type: ObjectTypeDef, failure: Failure): HttpError {
  return new HttpError(failure.kind === 'conflict' ? 409 : 400, failureBody(ctx, type, failure));
}

function failureBody(ctx: HandlerContext, type: ObjectTypeDef, failure: Failure): ErrorBody {
  switch (failure.kind) {
    case 'conflict':
      return errorBody('CONFLICT', `${singularLabel(type)} already exists. Existing ID: ${failure.existingId}`, {
        context: { propertyName: [failure.property] },
      });
    case 'invalid':
      return invalidPropertiesBody(ctx, failure.problems);
  }
}

/** HubSpot's body for refused property values: a JSON list of validation results inside `message`. */
export function invalidPropertiesBody(ctx: HandlerContext, problems: PropertyProblem[]): ErrorBody {
  const results = problems.map((p) => ({
    isValid: false,
    message: p.message,
    error: p.error,
    name: p.name,
    localizedErrorMessage: p.message,
    propertyValue: p.value,
    portalId: ctx.portalId,
  }));
  return errorBody('VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(results)}`, {
    errors: problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
  });
}

function standardError(ctx: HandlerContext, type: ObjectTypeDef, failure: Failure, traceId: string | undefined) {
  const { correlationId: _unused, context, ...body } = failureBody(ctx, type, failure);
  return {
    ...body,
    errors: body.errors ?? [],
    context: { ...context, ...(traceId !== undefined ? { objectWriteTraceId: [traceId] } : {}) },
    links: {},
  };
}

function notFoundBody(type: ObjectTypeDef, ids: string[]): ErrorBody {
  return errorBody(
    'OBJECT_NOT_FOUND',
    `Could not get some ${type.messageLabel} objects, they may be deleted or not exist. Check that ids are valid.`,
    { context: { ids } },
  );
}

function nonUniqueIdProperty(ctx: HandlerContext, type: ObjectTypeDef, name: string): HttpError {
  return validationError(
    `Unable to perform update/upsert by non-unique ${type.objectTypeId} property ${name} in portal ID ${ctx.portalId}`,
  );
}

/**
 * A create input needs `properties` and `associations` (both required in the spec's
 * `SimplePublicObjectBatchInputForCreate`); associations themselves are not modelled, so any
 * given must be well-formed and the fake refuses to pretend it made them.
 */
function checkCreateInput(input: Json): void {
  const missing = [
    ...(Array.isArray(input.associations) ? [] : ['associations']),
    ...(isObjectValue(input.properties) ? [] : ['properties']),
  ];
  if (missing.length > 0) throw missingAttributes(ITEM_MODEL.create, missing);
  const associations = input.associations as unknown[];
  for (const association of associations) {
    const item = asObject(association, 'PublicAssociationsForObject');
    const missingItem = missingOf(item, ['to', 'types']);
    if (missingItem.length > 0) throw missingAttributes('PublicAssociationsForObject', missingItem);
  }
  if (associations.length > 0) {
    throw validationError('associations on create are not modelled by the HubSpot fake; send an empty list');
  }
}

function missingAttributes(model: string, names: string[]): HttpError {
  return invalidInputJson(`Cannot build ${model}, some of required attributes are not set [${names.join(', ')}]`);
}

function missingOf(input: Json, names: string[]): string[] {
  return names.filter((name) => input[name] === undefined || input[name] === null);
}

function asObject(value: unknown, model: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInputJson(`Cannot construct instance of \`${model}\` from non-object value`);
  }
  return value as Json;
}

// Jackson binds a JSON number to a string field, so `"id": 123` means `"123"`.
function withStringId(input: Json): Json {
  return typeof input.id === 'number' ? { ...input, id: String(input.id) } : input;
}

function isObjectValue(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function traceIdOf(input: Json): string | undefined {
  return typeof input.objectWriteTraceId === 'string' && input.objectWriteTraceId !== ''
    ? input.objectWriteTraceId
    : undefined;
}

function hasUniqueTraceIds(inputs: Json[]): boolean {
  const ids = inputs.map(traceIdOf);
  return ids.length > 0 && ids.every((id) => id !== undefined) && new Set(ids).size === ids.length;
}

function normalizeKey(type: ObjectTypeDef, idProperty: string | undefined, id: string): string {
  return type.name === 'contacts' && idProperty === 'email' ? id.toLowerCase() : id;
}

function singularLabel(type: ObjectTypeDef): string {
  const label = type.messageLabel;
  return /^\d/.test(label) ? 'Object' : label.charAt(0) + label.slice(1).toLowerCase();
}
