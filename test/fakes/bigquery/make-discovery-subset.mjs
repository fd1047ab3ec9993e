// Regenerates discovery-subset.json from Google's BigQuery v2 discovery document:
//   node test/fakes/bigquery/make-discovery-subset.mjs <path to bigquery.v2.json>
//   npx prettier --write test/fakes/bigquery/discovery-subset.json
// Keeps only the methods the fake serves and the schemas they reach, without prose, so the
// fake can validate requests (and tests can validate responses) against Google's own spec.
import { readFileSync, writeFileSync } from 'node:fs';

const METHODS = {
  datasets: ['get', 'list'],
  tables: ['get', 'list'],
  tabledata: ['list'],
  jobs: ['insert', 'get', 'query', 'getQueryResults', 'cancel'],
};

const source = process.argv[2];
if (!source) throw new Error('usage: make-discovery-subset.mjs <bigquery.v2.json>');
const doc = JSON.parse(readFileSync(source, 'utf8'));

const strip = (value) => {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      // Prose only: a property that is itself named `description` is a schema (an object).
      .filter(([key, inner]) => !(key === 'description' && typeof inner === 'string') && key !== 'enumDescriptions')
      .map(([key, inner]) => [key, strip(inner)]),
  );
};

const methods = {};
const roots = [];
for (const [resource, names] of Object.entries(METHODS)) {
  for (const name of names) {
    const method = doc.resources[resource].methods[name];
    methods[method.id] = strip(method);
    if (method.request) roots.push(method.request.$ref);
    if (method.response) roots.push(method.response.$ref);
  }
}

const schemas = {};
const pending = [...roots];
while (pending.length > 0) {
  const name = pending.pop();
  if (schemas[name]) continue;
  schemas[name] = strip(doc.schemas[name]);
  JSON.stringify(doc.schemas[name], (key, value) => {
    if (key === '$ref') pending.push(value);
    return value;
  });
}

const subset = {
  source: `${doc.id} revision ${doc.revision}`,
  rootUrl: doc.rootUrl,
  servicePath: doc.servicePath,
  parameters: strip(doc.parameters),
  methods,
  schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(new URL('./discovery-subset.json', import.meta.url), `${JSON.stringify(subset)}\n`);
