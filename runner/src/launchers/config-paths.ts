/** How a connector uses a host path named in its config, per the spec's `backflow_path`. */
export type PathAccess = 'read' | 'write';

/** A host path found in a config: the value as given (maybe relative, maybe a glob) and its use. */
export interface ConfigPath {
  path: string;
  access: PathAccess;
}

type SchemaNode = {
  backflow_path?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
};

/**
 * The values of `config` that its spec marks `backflow_path: "read" | "write"`, walking the
 * spec's properties, items and combinators alongside the config (specs inline their
 * sub-schemas, so `$ref` is not followed).
 */
export function configPaths(spec: unknown, config: unknown): ConfigPath[] {
  const found: ConfigPath[] = [];
  walk(spec as SchemaNode, config, found);
  return found;
}

function walk(schema: SchemaNode | undefined, value: unknown, found: ConfigPath[]): void {
  if (typeof schema !== 'object' || schema === null || value === undefined) return;
  const access = schema.backflow_path;
  if ((access === 'read' || access === 'write') && typeof value === 'string' && value !== '') {
    found.push({ path: value, access });
  }
  for (const branch of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    walk(branch, value, found);
  }
  if (schema.properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, property] of Object.entries(schema.properties)) {
      walk(property, (value as Record<string, unknown>)[key], found);
    }
  }
  if (schema.items && Array.isArray(value)) {
    value.forEach((item, i) => walk(Array.isArray(schema.items) ? schema.items[i] : schema.items, item, found));
  }
}
