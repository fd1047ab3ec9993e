import { handleBatch } from './batch-handlers.js';
import type { FakeRequest, FakeResponse, HandlerContext } from './context.js';
import { HttpError, errorBody, validationError } from './errors.js';
import { archiveObject, createObject, getObject, listObjects, updateObject } from './object-handlers.js';
import { getProperty, listProperties } from './properties-handlers.js';
import { searchObjects } from './search-handlers.js';
import type { BatchOperation, ObjectTypeDef } from './types.js';

const BATCH_OPERATIONS: readonly BatchOperation[] = ['create', 'update', 'upsert', 'read', 'archive'];

/** Dispatches a request to the handler for HubSpot's path; unknown paths answer 404. */
export function route(ctx: HandlerContext, request: FakeRequest): FakeResponse {
  const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
  const [crm, version, resource, objectType, ...rest] = segments;
  if (crm !== 'crm' || version !== 'v3' || objectType === undefined) throw notFound(request);
  const method = request.method;

  if (resource === 'properties') {
    const type = resolveType(ctx, objectType);
    if (method === 'GET' && rest.length === 0) return listProperties(ctx, type, request);
    if (method === 'GET' && rest.length === 1) return getProperty(ctx, type, rest[0]!);
    throw notFound(request);
  }
  if (resource !== 'objects') throw notFound(request);

  const type = resolveType(ctx, objectType);
  if (rest.length === 0) {
    if (method === 'GET') return listObjects(ctx, type, request);
    if (method === 'POST') return createObject(ctx, type, request);
  }
  if (rest.length === 1 && rest[0] === 'search' && method === 'POST') return searchObjects(ctx, type, request);
  if (rest.length === 2 && rest[0] === 'batch' && method === 'POST') {
    const operation = BATCH_OPERATIONS.find((op) => op === rest[1]);
    if (operation) return handleBatch(ctx, type, operation, request);
  }
  if (rest.length === 1 && rest[0] !== 'batch' && rest[0] !== 'search') {
    const id = rest[0]!;
    if (method === 'GET') return getObject(ctx, type, id, request);
    if (method === 'PATCH') return updateObject(ctx, type, id, request);
    if (method === 'DELETE') return archiveObject(ctx, type, id);
  }
  throw notFound(request);
}

function resolveType(ctx: HandlerContext, objectType: string): ObjectTypeDef {
  const type = ctx.schema.resolve(objectType);
  if (!type) throw validationError(`Unable to infer object type from: ${objectType}`);
  return type;
}

function notFound(request: FakeRequest): HttpError {
  return new HttpError(404, errorBody('NOT_FOUND', `No route for ${request.method} ${request.path}`));
}
