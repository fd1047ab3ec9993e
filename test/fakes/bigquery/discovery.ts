import { readFileSync } from 'node:fs';
import { GoogleApiError } from './errors.js';

/** A discovery-document schema node (the subset of JSON Schema Google uses). */
export interface SchemaNode {
  type?: string;
  format?: string;
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  enum?: string[];
  pattern?: string;
  location?: string;
  required?: boolean;
}

/** One REST method of the discovery document. */
export interface DiscoveryMethod {
  id: string;
  httpMethod: string;
  path: string;
  parameters?: Record<string, SchemaNode>;
  request?: { $ref: string };
  response?: { $ref: string };
  scopes: string[];
}

interface DiscoverySubset {
  servicePath: string;
  parameters: Record<string, SchemaNode>;
  methods: Record<string, DiscoveryMethod>;
  schemas: Record<string, SchemaNode>;
}

/** Google's BigQuery v2 discovery document, cut down by make-discovery-subset.mjs. */
export const discovery = JSON.parse(
  readFileSync(new URL('./discovery-subset.json', import.meta.url), 'utf8'),
) as DiscoverySubset;

function badParameter(message: string): GoogleApiError {
  return new GoogleApiError(400, 'invalid', message);
}

// Query parameters arrive as strings; proto3 JSON mapping decides which spellings parse.
function checkScalar(name: string, spec: SchemaNode, raw: string): void {
  if (spec.type === 'integer' || (spec.type === 'string' && /^u?int64$/.test(spec.format ?? ''))) {
    const unsigned = spec.format?.startsWith('u') ?? false;
    if (!(unsigned ? /^\d+$/ : /^-?\d+$/).test(raw)) {
      throw badParameter(`Invalid value at '${name}' (${spec.format ?? spec.type}), "${raw}"`);
    }
  } else if (spec.type === 'boolean' && raw !== 'true' && raw !== 'false') {
    throw badParameter(`Invalid value at '${name}' (TYPE_BOOL), "${raw}"`);
  }
  if (spec.enum && !spec.enum.includes(raw)) {
    throw badParameter(`Invalid value at '${name}' (${spec.enum[0] ?? 'enum'}), "${raw}"`);
  }
}

/** Rejects query parameters the method does not declare, as Google's front end does. */
export function validateQuery(method: DiscoveryMethod, query: URLSearchParams): void {
  for (const [name, raw] of query) {
    const spec = method.parameters?.[name] ?? discovery.parameters[name];
    if (!spec || spec.location !== 'query') {
      throw badParameter(
        `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
      );
    }
    checkScalar(name, spec, raw);
  }
}

function describe(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 60) ?? String(value);
}

function checkValue(node: SchemaNode, value: unknown, path: string): void {
  if (value === null || value === undefined) return;
  if (node.$ref) {
    const target = discovery.schemas[node.$ref];
    if (!target) throw new Error(`discovery subset lacks schema ${node.$ref}`);
    checkValue(target, value, path);
    return;
  }
  const invalid = (): GoogleApiError =>
    badParameter(
      `Invalid JSON payload received. Invalid value at '${path}' (${node.format ?? node.type}), ${describe(value)}`,
    );
  switch (node.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) throw invalid();
      for (const [key, inner] of Object.entries(value)) {
        const spec = node.properties?.[key] ?? node.additionalProperties;
        if (!spec) {
          throw badParameter(`Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`);
        }
        checkValue(spec, inner, `${path}.${key}`);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(value)) throw invalid();
      value.forEach((item, index) => checkValue(node.items ?? {}, item, `${path}[${index}]`));
      return;
    case 'string':
      // Google's JSON parser takes a JSON number or boolean for a string field: int64
      // fields, and query parameter values, which the Node client sends unquoted.
      if (typeof value === 'number' || typeof value === 'boolean') return;
      if (typeof value !== 'string') throw invalid();
      if (node.enum && !node.enum.includes(value)) throw invalid();
      return;
    case 'integer':
      if (
        !(typeof value === 'number' && Number.isInteger(value)) &&
        !(typeof value === 'string' && /^-?\d+$/.test(value))
      ) {
        throw invalid();
      }
      return;
    case 'number':
      if (
        typeof value !== 'number' &&
        !(typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
      ) {
        throw invalid();
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid();
      return;
    default:
      return;
  }
}

/** Rejects a request body that does not fit the method's request schema. */
export function validateBody(method: DiscoveryMethod, body: unknown): void {
  if (!method.request) return;
  const name = method.request.$ref;
  checkValue({ $ref: name }, body, name.charAt(0).toLowerCase() + name.slice(1));
}

/**
 * Lists every place where `value` departs from the named schema (unknown property, wrong
 * JSON type). Tests run it on the fake's responses to keep them within Google's spec.
 */
export function schemaViolations(schemaName: string, value: unknown): string[] {
  const problems: string[] = [];
  const walk = (node: SchemaNode, inner: unknown, path: string): void => {
    if (inner === null || inner === undefined) return;
    if (node.$ref) {
      walk(discovery.schemas[node.$ref] ?? {}, inner, path);
      return;
    }
    try {
      if (node.type === 'object' && typeof inner === 'object' && !Array.isArray(inner)) {
        for (const [key, child] of Object.entries(inner)) {
          const spec = node.properties?.[key] ?? node.additionalProperties;
          if (spec) walk(spec, child, `${path}.${key}`);
          else problems.push(`${path}.${key}: not in schema`);
        }
      } else if (node.type === 'array' && Array.isArray(inner)) {
        inner.forEach((item, index) => walk(node.items ?? {}, item, `${path}[${index}]`));
      } else {
        checkValue(node, inner, path);
      }
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  };
  walk({ $ref: schemaName }, value, schemaName);
  return problems;
}

/** Where a successful response of the given method (short id, e.g. `jobs.query`) departs from its schema. */
export function responseViolations(methodId: string, body: unknown): string[] {
  const schema = discovery.methods[`bigquery.${methodId}`]?.response?.$ref;
  return schema ? schemaViolations(schema, body) : [];
}
