// Regenerates openapi-subset.json from HubSpot's published OpenAPI files
// (github.com/HubSpot/HubSpot-public-api-spec-collection), read from local copies:
//   node test/fakes/hubspot/make-openapi-subset.mjs \
//     <PublicApiSpecs/CRM/Objects/Rollouts/424/v3/objects.json> \
//     <PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json>
//   npx prettier --write test/fakes/hubspot/openapi-subset.json
// (The committed `Property`, `Option` and `PropertyModificationMetadata` were written from
// @hubspot/api-client's models before this script ran on the properties file; a run replaces
// them with the spec's.)
// Keeps only the operations the fake serves and the schemas they reach, as structure alone
// (types, required lists, enums, formats): no prose, no examples, no security lists. OpenAPI's
// `nullable: true` becomes a JSON Schema type union, so ajv reads it as the spec means it.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

export const OPERATIONS = {
  objects: [
    ['post', '/crm/v3/objects/{objectType}/batch/create'],
    ['post', '/crm/v3/objects/{objectType}/batch/update'],
    ['post', '/crm/v3/objects/{objectType}/batch/upsert'],
    ['post', '/crm/v3/objects/{objectType}/batch/read'],
    ['post', '/crm/v3/objects/{objectType}/batch/archive'],
  ],
  properties: [['get', '/crm/v3/properties/{objectType}']],
};

const KEPT = new Set(['type', 'required', 'properties', 'additionalProperties', 'items', 'enum', 'format', '$ref']);
// OpenAPI's numeric formats (int32, int64) are size hints, not formats ajv checks.
const FORMATS = new Set(['date-time', 'date', 'uuid']);

/** A schema reduced to its structure. */
export function structure(schema) {
  if (Array.isArray(schema)) return schema.map(structure);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KEPT.has(key) || (key === 'format' && !FORMATS.has(value))) continue;
    out[key] = key === 'properties' ? mapValues(value, structure) : structure(value);
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

function mapValues(object, fn) {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, fn(value)]));
}

const refName = (ref) => ref.replace('#/components/schemas/', '');
const bodyRef = (content) => Object.values(content ?? {})[0]?.schema?.$ref;

/** The operations and the schemas they reach, from the spec documents by name. */
export function subsetOf(docs, sources) {
  const operations = {};
  const schemas = {};
  const pending = [];
  for (const [name, list] of Object.entries(OPERATIONS)) {
    const doc = docs[name];
    for (const [method, path] of list) {
      const operation = doc.paths[path]?.[method];
      if (!operation) throw new Error(`${sources[name]}: no ${method.toUpperCase()} ${path}`);
      const request = bodyRef(operation.requestBody?.content);
      const responses = {};
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status === 'default') continue;
        const ref = bodyRef(response.content);
        responses[status] = ref ? refName(ref) : null;
      }
      operations[`${method.toUpperCase()} ${path}`] = { request: request ? refName(request) : null, responses };
      pending.push(
        ...[request, ...Object.values(operation.responses).map((r) => bodyRef(r.content))]
          .filter(Boolean)
          .map((ref) => [doc, refName(ref)]),
      );
    }
    pending.push([doc, 'Error']);
  }
  while (pending.length > 0) {
    const [doc, name] = pending.pop();
    if (schemas[name]) continue;
    const schema = doc.components.schemas[name];
    if (!schema) throw new Error(`no schema ${name}`);
    schemas[name] = structure(schema);
    for (const ref of JSON.stringify(schemas[name]).matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      pending.push([doc, ref[1]]);
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  return { source: sources, operations, components: { schemas: sorted } };
}

if (process.argv[1] && basename(process.argv[1]) === 'make-openapi-subset.mjs') {
  const [objects, properties] = process.argv.slice(2);
  if (!objects || !properties) throw new Error('usage: make-openapi-subset.mjs <objects.json> <properties.json>');
  const docs = {
    objects: JSON.parse(readFileSync(objects, 'utf8')),
    properties: JSON.parse(readFileSync(properties, 'utf8')),
  };
  const subset = subsetOf(docs, { objects, properties });
  writeFileSync(new URL('./openapi-subset.json', import.meta.url), `${JSON.stringify(subset, null, 2)}\n`);
}
