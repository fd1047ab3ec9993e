import { handleBatch } from './batch-handlers.js';
import type { FakeRequest, FakeResponse, HandlerContext } from './context.js';
import { HttpError, errorBody, validationError } from './errors.js';
import { uniqueProperties } from './object-store.js';
import { requestedProperties, toSimplePublicObject } from './serialize.js';
import type { ObjectTypeDef, StoredRecord } from './types.js';

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

/**
 * `GET /crm/v3/objects/{type}`: records in id order, `limit` (default 10, at most 100) per
 * page, `paging.next.after` while more remain; `archived=true` lists only archived records.
 */
export function listObjects(ctx: HandlerContext, type: ObjectTypeDef, request: FakeRequest): FakeResponse {
  const limit = parseLimit(request.params.get('limit'));
  const after = request.params.get('after');
  const archived = request.params.get('archived') === 'true';
  const properties = requestedProperties(request.params);
  const matching = ctx.store.all(type).filter((record) => record.archived === archived);
  const start = after === null ? 0 : matching.findIndex((record) => Number(record.id) > Number(after));
  const page = start < 0 ? [] : matching.slice(start, start + limit);
  const last = page.at(-1);
  const hasMore = start >= 0 && start + limit < matching.length;
  const body: Record<string, unknown> = {
    results: page.map((record) => toSimplePublicObject(ctx.store, type, record, properties)),
  };
  if (hasMore && last) {
    const next = String(Number(last.id));
    body.paging = { next: { after: next, link: `?after=${next}` } };
  }
  return { status: 200, body };
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw validationError(`limit must be an integer between 1 and ${MAX_PAGE_SIZE}, got ${raw}`);
  }
  return limit;
}

/** `GET /crm/v3/objects/{type}/{id}` (by id, or by a unique property with `idProperty`). */
export function getObject(ctx: HandlerContext, type: ObjectTypeDef, id: string, request: FakeRequest): FakeResponse {
  const record = findOne(ctx, type, id, request.params.get('idProperty'));
  if (!record || record.archived !== (request.params.get('archived') === 'true')) throw notFound(id);
  return { status: 200, body: toSimplePublicObject(ctx.store, type, record, requestedProperties(request.params)) };
}

/** `POST /crm/v3/objects/{type}`: one record through the batch create rules; answers 201. */
export function createObject(ctx: HandlerContext, type: ObjectTypeDef, request: FakeRequest): FakeResponse {
  const single = request.body as { properties?: unknown } | null;
  const response = handleBatch(ctx, type, 'create', { ...request, body: { inputs: [single ?? {}] } });
  const body = response.body as { results: unknown[] };
  return { status: 201, body: body.results[0] };
}

/** `PATCH /crm/v3/objects/{type}/{id}`; contacts may be addressed by `idProperty=email`. */
export function updateObject(ctx: HandlerContext, type: ObjectTypeDef, id: string, request: FakeRequest): FakeResponse {
  const record = findOne(ctx, type, id, request.params.get('idProperty'));
  if (!record || record.archived) throw notFound(id);
  const input = { id: record.id, properties: (request.body as { properties?: unknown } | null)?.properties };
  const response = handleBatch(ctx, type, 'update', { ...request, body: { inputs: [input] } });
  const body = response.body as { results: unknown[] };
  return { status: 200, body: body.results[0] };
}

/** `DELETE /crm/v3/objects/{type}/{id}`: 204 whether or not the record exists. */
export function archiveObject(ctx: HandlerContext, type: ObjectTypeDef, id: string): FakeResponse {
  const record = ctx.store.findById(type, id);
  if (record) ctx.store.archive(record);
  return { status: 204 };
}

function findOne(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  id: string,
  idProperty: string | null,
): StoredRecord | undefined {
  if (idProperty === null || idProperty === 'hs_object_id') return ctx.store.all(type).find((r) => r.id === id);
  if (!uniqueProperties(type).includes(idProperty)) {
    throw validationError(`Unable to find unique property ${idProperty} for object type ${type.objectTypeId}`);
  }
  return ctx.store.findByProperty(type, idProperty, id);
}

function notFound(id: string): HttpError {
  return new HttpError(
    404,
    errorBody('OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', { context: { id: [id] } }),
  );
}
