import type { FakeRequest, FakeResponse, HandlerContext } from './context.js';
import { randomUUID } from 'node:crypto';
import { HttpError, validationError } from './errors.js';
import { toSimplePublicObject } from './serialize.js';
import type { ObjectTypeDef, PropertyDefinition, StoredRecord } from './types.js';

/** HubSpot's search limits (developers.hubspot.com, CRM search guide, "Limitations"). */
export const SEARCH_LIMITS = {
  maxPageSize: 200,
  defaultPageSize: 10,
  maxResults: 10_000,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFilters: 18,
  requestsPerSecond: 5,
} as const;

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
}

interface Sort {
  propertyName: string;
  direction: 'ASCENDING' | 'DESCENDING';
}

type Json = Record<string, unknown>;

/**
 * `POST /crm/v3/objects/{type}/search`: filter groups (OR of ANDed filters), one sort,
 * free-text `query`, `properties`, `limit` ≤ 200 and an offset cursor `after` that may not
 * reach 10,000 — past that a query must be narrowed (e.g. re-anchored on the last value seen).
 * At most five searches per second per account, counted apart from the general limit.
 */
export function searchObjects(ctx: HandlerContext, type: ObjectTypeDef, request: FakeRequest): FakeResponse {
  ctx.searches.take(ctx.now());
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationError('Invalid input JSON: a search request must be a JSON object');
  }
  const search = body as Json;
  const limit = pageSize(search.limit);
  const offset = cursor(search.after);
  const filterGroups = parseFilterGroups(type, search.filterGroups);
  const sort = parseSort(type, search.sorts);
  const query = typeof search.query === 'string' ? search.query.trim().toLowerCase() : '';
  const requested = Array.isArray(search.properties)
    ? search.properties.filter((name): name is string => typeof name === 'string')
    : undefined;

  const matching = ctx.store
    .all(type)
    .filter((record) => !record.archived)
    .filter(
      (record) =>
        filterGroups.length === 0 || filterGroups.some((group) => group.every((f) => matches(ctx, type, record, f))),
    )
    .filter(
      (record) =>
        query === '' || type.defaultProperties.some((name) => textOf(ctx, type, record, name).includes(query)),
    )
    .sort((a, b) => compareRecords(ctx, type, a, b, sort));
  const page = matching.slice(offset, offset + limit);
  const result: Json = {
    total: matching.length,
    results: page.map((record) => toSimplePublicObject(ctx.store, type, record, requested)),
  };
  if (offset + limit < matching.length) {
    const next = String(offset + limit);
    result.paging = { next: { after: next, link: `?after=${next}` } };
  }
  return { status: 200, body: result };
}

/** Searches per rolling second, on the fake's clock. */
export class SearchLimiter {
  private readonly times: number[] = [];

  take(now: number): void {
    while (this.times.length > 0 && this.times[0]! <= now - 1000) this.times.shift();
    if (this.times.length >= SEARCH_LIMITS.requestsPerSecond) {
      const retryAfter = Math.max(1, Math.ceil((this.times[0]! + 1000 - now) / 1000));
      throw new HttpError(
        429,
        {
          status: 'error',
          message: 'You have reached your secondly limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: 'SECONDLY',
        },
        { 'Retry-After': String(retryAfter) },
      );
    }
    this.times.push(now);
  }
}

function pageSize(raw: unknown): number {
  if (raw === undefined || raw === null) return SEARCH_LIMITS.defaultPageSize;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > SEARCH_LIMITS.maxPageSize) {
    throw validationError(`limit must be an integer between 1 and ${SEARCH_LIMITS.maxPageSize}, got ${String(raw)}`);
  }
  return raw;
}

function cursor(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return 0;
  const text = String(raw);
  if (!/^\d+$/.test(text)) throw validationError(`after must be a paging cursor from a previous page, got ${text}`);
  const offset = Number(text);
  if (offset >= SEARCH_LIMITS.maxResults) {
    throw validationError(
      `Search results are limited to ${SEARCH_LIMITS.maxResults} per query; after=${text} is past them. Narrow the query`,
    );
  }
  return offset;
}

function parseFilterGroups(type: ObjectTypeDef, raw: unknown): Filter[][] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw validationError('filterGroups must be a list');
  if (raw.length > SEARCH_LIMITS.maxFilterGroups) {
    throw validationError(`A search may have at most ${SEARCH_LIMITS.maxFilterGroups} filterGroups, got ${raw.length}`);
  }
  let total = 0;
  const groups = raw.map((group: unknown) => {
    const filters = (group as Json | null)?.filters;
    if (!Array.isArray(filters)) throw validationError('each filterGroup needs a list of filters');
    if (filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      throw validationError(
        `A filterGroup may have at most ${SEARCH_LIMITS.maxFiltersPerGroup} filters, got ${filters.length}`,
      );
    }
    total += filters.length;
    return filters.map((filter: unknown) => parseFilter(type, filter));
  });
  if (total > SEARCH_LIMITS.maxFilters) {
    throw validationError(`A search may have at most ${SEARCH_LIMITS.maxFilters} filters in all, got ${total}`);
  }
  return groups;
}

function parseFilter(type: ObjectTypeDef, raw: unknown): Filter {
  const filter = (raw ?? {}) as Json;
  const { propertyName, operator } = filter;
  if (typeof propertyName !== 'string' || typeof operator !== 'string' || !OPERATORS.has(operator)) {
    throw validationError(`a filter needs a propertyName and one of the operators ${[...OPERATORS].join(', ')}`);
  }
  knownProperty(type, propertyName);
  const needsValue = !['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(operator);
  if (needsValue && (filter.value === undefined || filter.value === null)) {
    throw validationError(`filter ${propertyName} ${operator} needs a value`);
  }
  if (operator === 'BETWEEN' && (filter.highValue === undefined || filter.highValue === null)) {
    throw validationError(`filter ${propertyName} BETWEEN needs a highValue`);
  }
  if ((operator === 'IN' || operator === 'NOT_IN') && !Array.isArray(filter.values)) {
    throw validationError(`filter ${propertyName} ${operator} needs values`);
  }
  return {
    propertyName,
    operator,
    ...(filter.value !== undefined && filter.value !== null ? { value: String(filter.value) } : {}),
    ...(filter.highValue !== undefined && filter.highValue !== null ? { highValue: String(filter.highValue) } : {}),
    ...(Array.isArray(filter.values) ? { values: filter.values.map(String) } : {}),
  };
}

function parseSort(type: ObjectTypeDef, raw: unknown): Sort | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw validationError('sorts must be a list');
  if (raw.length > 1) throw validationError(`A search may sort by one property only, got ${raw.length} sorts`);
  const [first] = raw as unknown[];
  if (first === undefined) return undefined;
  // The spec types sorts as strings (a property name); HubSpot's docs send objects.
  const sort = typeof first === 'string' ? { propertyName: first, direction: 'ASCENDING' } : ((first ?? {}) as Json);
  const { propertyName, direction } = sort;
  if (typeof propertyName !== 'string' || (direction !== 'ASCENDING' && direction !== 'DESCENDING')) {
    throw validationError('a sort needs a propertyName and a direction, ASCENDING or DESCENDING');
  }
  knownProperty(type, propertyName);
  return { propertyName, direction };
}

function knownProperty(type: ObjectTypeDef, name: string): PropertyDefinition {
  const definition = type.properties.get(name);
  if (!definition) throw validationError(`Property "${name}" does not exist`);
  return definition;
}

/** A comparable form of a value: numbers and dates compare as numbers, the rest as text. */
function comparable(definition: PropertyDefinition, value: string): number | string {
  if (definition.type === 'number') return Number(value);
  if (definition.type === 'datetime' || definition.type === 'date') {
    return /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
  }
  return value.toLowerCase();
}

function matches(ctx: HandlerContext, type: ObjectTypeDef, record: StoredRecord, filter: Filter): boolean {
  const definition = type.properties.get(filter.propertyName)!;
  const raw = ctx.store.value(type, record, filter.propertyName);
  const present = raw !== null && raw !== '';
  if (filter.operator === 'HAS_PROPERTY') return present;
  if (filter.operator === 'NOT_HAS_PROPERTY') return !present;
  if (filter.operator === 'NEQ' || filter.operator === 'NOT_IN' || filter.operator === 'NOT_CONTAINS_TOKEN') {
    if (!present) return true;
  } else if (!present) {
    return false;
  }
  const value = comparable(definition, raw!);
  const of = (text: string) => comparable(definition, text);
  switch (filter.operator) {
    case 'EQ':
      return value === of(filter.value!);
    case 'NEQ':
      return value !== of(filter.value!);
    case 'LT':
      return value < of(filter.value!);
    case 'LTE':
      return value <= of(filter.value!);
    case 'GT':
      return value > of(filter.value!);
    case 'GTE':
      return value >= of(filter.value!);
    case 'BETWEEN':
      return value >= of(filter.value!) && value <= of(filter.highValue!);
    case 'IN':
      return filter.values!.some((v) => of(v) === value);
    case 'NOT_IN':
      return !filter.values!.some((v) => of(v) === value);
    case 'CONTAINS_TOKEN':
      return tokens(raw!).includes(filter.value!.toLowerCase());
    default:
      return !tokens(raw!).includes(filter.value!.toLowerCase());
  }
}

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s;,@.]+/)
    .filter(Boolean);
}

function textOf(ctx: HandlerContext, type: ObjectTypeDef, record: StoredRecord, name: string): string {
  return (ctx.store.value(type, record, name) ?? '').toLowerCase();
}

// Without a sort, results come in creation order (ids ascending); ties on a sort break by id.
function compareRecords(
  ctx: HandlerContext,
  type: ObjectTypeDef,
  a: StoredRecord,
  b: StoredRecord,
  sort: Sort | undefined,
): number {
  const byId = Number(a.id) - Number(b.id);
  if (!sort) return byId;
  const definition = type.properties.get(sort.propertyName)!;
  const left = ctx.store.value(type, a, sort.propertyName);
  const right = ctx.store.value(type, b, sort.propertyName);
  let order: number;
  if (left === right) order = 0;
  else if (left === null || left === '') order = 1;
  else if (right === null || right === '') order = -1;
  else {
    const l = comparable(definition, left);
    const r = comparable(definition, right);
    order = l < r ? -1 : l > r ? 1 : 0;
  }
  if (order === 0) return byId;
  return sort.direction === 'ASCENDING' ? order : -order;
}
