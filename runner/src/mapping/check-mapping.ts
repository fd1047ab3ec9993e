import type { DestinationCatalog } from '@backflow/protocol';
import { ConfigurationError } from '../errors.js';
import { splitPath } from './paths.js';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
}

/**
 * Checks mapped fields against the fields a destination lists for an object (from its
 * `discover`). Returns false when the destination does not describe that object, so nothing
 * could be checked; throws a ConfigurationError naming every unknown field.
 */
export function checkMappedFields(
  catalog: DestinationCatalog,
  object: string,
  fields: readonly string[],
  where: string,
): boolean {
  const schemas = catalog.operations
    .filter((operation) => operation.object_name === object)
    .map((operation) => operation.json_schema as SchemaNode)
    .filter((schema) => schema.properties !== undefined);
  if (schemas.length === 0) return false;
  const unknown = fields.filter((field) => !schemas.some((schema) => hasPath(schema, splitPath(field))));
  if (unknown.length > 0) {
    const known = Object.keys(Object.assign({}, ...schemas.map((schema) => schema.properties)));
    throw new ConfigurationError(
      `${where}: destination object "${object}" has no field ${unknown.map((f) => `"${f}"`).join(', ')} (it has: ${known.join(', ')})`,
    );
  }
  return true;
}

/** A path is known when each step is a listed property; below a property that lists none, anything goes. */
function hasPath(schema: SchemaNode, path: readonly string[]): boolean {
  let node: SchemaNode | undefined = schema;
  for (const part of path) {
    if (!node?.properties) return true;
    node = node.properties[part];
    if (!node) return false;
  }
  return true;
}
