import { readFileSync } from 'node:fs';

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
  flatPath?: string;
  parameters?: Record<string, SchemaNode>;
  request?: { $ref: string };
  response?: { $ref: string };
  scopes: string[];
}

/** A discovery document cut down by make-discovery-subset.mjs. */
export interface DiscoverySubset {
  source: string;
  rootUrl: string;
  servicePath: string;
  parameters: Record<string, SchemaNode>;
  methods: Record<string, DiscoveryMethod>;
  schemas: Record<string, SchemaNode>;
}

/** Reads a subset file written by make-discovery-subset.mjs. */
export function loadDiscoverySubset(url: URL): DiscoverySubset {
  return JSON.parse(readFileSync(url, 'utf8')) as DiscoverySubset;
}

function describe(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 60) ?? String(value);
}

/**
 * Validates requests against a Google discovery document the way Google's front end does
 * (unknown query parameters and body fields, wrong JSON types and enum values are 400s), and
 * lists where responses depart from it. Each fake passes how it renders a 400 in its API's
 * error shape.
 */
export class Discovery {
  constructor(
    readonly doc: DiscoverySubset,
    private readonly badRequest: (message: string) => Error,
  ) {}

  get servicePath(): string {
    return this.doc.servicePath;
  }

  get methods(): Record<string, DiscoveryMethod> {
    return this.doc.methods;
  }

  /** Rejects query parameters the method does not declare, as Google's front end does. */
  validateQuery(method: DiscoveryMethod, query: URLSearchParams): void {
    for (const [name, raw] of query) {
      const spec = method.parameters?.[name] ?? this.doc.parameters[name];
      if (!spec || spec.location !== 'query') {
        throw this.badRequest(
          `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
        );
      }
      this.checkScalar(name, spec, raw);
    }
  }

  /** Rejects a request body that does not fit the method's request schema. */
  validateBody(method: DiscoveryMethod, body: unknown): void {
    if (!method.request) return;
    const name = method.request.$ref;
    this.checkValue({ $ref: name }, body, name.charAt(0).toLowerCase() + name.slice(1));
  }

  /**
   * Lists every place where `value` departs from the named schema (unknown property, wrong
   * JSON type). Tests run it on the fake's responses to keep them within Google's spec.
   */
  schemaViolations(schemaName: string, value: unknown): string[] {
    const problems: string[] = [];
    const walk = (node: SchemaNode, inner: unknown, path: string): void => {
      if (inner === null || inner === undefined) return;
      if (node.$ref) {
        walk(this.doc.schemas[node.$ref] ?? {}, inner, path);
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
          this.checkValue(node, inner, path);
        }
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
      }
    };
    walk({ $ref: schemaName }, value, schemaName);
    return problems;
  }

  /** Where a successful response of a method (its full id, e.g. `bigquery.jobs.query`) departs from its schema. */
  responseViolations(methodId: string, body: unknown): string[] {
    const schema = this.doc.methods[methodId]?.response?.$ref;
    return schema ? this.schemaViolations(schema, body) : [];
  }

  /** Where a request body of a method departs from its request schema (unknown fields, wrong types). */
  requestViolations(methodId: string, body: unknown): string[] {
    const schema = this.doc.methods[methodId]?.request?.$ref;
    return schema ? this.schemaViolations(schema, body) : [];
  }

  // Query parameters arrive as strings; proto3 JSON mapping decides which spellings parse.
  private checkScalar(name: string, spec: SchemaNode, raw: string): void {
    if (spec.type === 'integer' || (spec.type === 'string' && /^u?int64$/.test(spec.format ?? ''))) {
      const unsigned = spec.format?.startsWith('u') ?? false;
      if (!(unsigned ? /^\d+$/ : /^-?\d+$/).test(raw)) {
        throw this.badRequest(`Invalid value at '${name}' (${spec.format ?? spec.type}), "${raw}"`);
      }
    } else if (spec.type === 'boolean' && raw !== 'true' && raw !== 'false') {
      throw this.badRequest(`Invalid value at '${name}' (TYPE_BOOL), "${raw}"`);
    }
    if (spec.enum && !spec.enum.includes(raw)) {
      throw this.badRequest(`Invalid value at '${name}' (${spec.enum[0] ?? 'enum'}), "${raw}"`);
    }
  }

  private checkValue(node: SchemaNode, value: unknown, path: string): void {
    if (value === null || value === undefined) return;
    if (node.$ref) {
      const target = this.doc.schemas[node.$ref];
      if (!target) throw new Error(`discovery subset lacks schema ${node.$ref}`);
      this.checkValue(target, value, path);
      return;
    }
    const invalid = (): Error =>
      this.badRequest(
        `Invalid JSON payload received. Invalid value at '${path}' (${node.format ?? node.type}), ${describe(value)}`,
      );
    switch (node.type) {
      case 'object': {
        if (typeof value !== 'object' || Array.isArray(value)) throw invalid();
        for (const [key, inner] of Object.entries(value)) {
          const spec = node.properties?.[key] ?? node.additionalProperties;
          if (!spec) {
            throw this.badRequest(
              `Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`,
            );
          }
          this.checkValue(spec, inner, `${path}.${key}`);
        }
        return;
      }
      case 'array':
        if (!Array.isArray(value)) throw invalid();
        value.forEach((item, index) => this.checkValue(node.items ?? {}, item, `${path}[${index}]`));
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
}
