// Cuts a Google discovery document down to the methods a fake serves and the schemas they
// reach, without prose, so the fake can validate requests (and tests can validate responses)
// against Google's own spec:
//   node test/fakes/google/make-discovery-subset.mjs <discovery.json> <out.json> <resource.method>...
//   npx prettier --write <out.json>
// BigQuery: .../bigquery.v2.json test/fakes/bigquery/discovery-subset.json datasets.get datasets.list
//   tables.get tables.list tabledata.list jobs.insert jobs.get jobs.query jobs.getQueryResults jobs.cancel
// Sheets: .../sheets.v4.json test/fakes/google-sheets/discovery-subset.json spreadsheets.get
//   spreadsheets.batchUpdate spreadsheets.values.get spreadsheets.values.batchGet
//   spreadsheets.values.batchUpdate spreadsheets.values.append
import { readFileSync, writeFileSync } from 'node:fs';

const [source, target, ...wanted] = process.argv.slice(2);
if (!source || !target || wanted.length === 0) {
  throw new Error('usage: make-discovery-subset.mjs <discovery.json> <out.json> <resource.method>...');
}
const doc = JSON.parse(readFileSync(source, 'utf8'));

// `spreadsheets.values.get` → doc.resources.spreadsheets.resources.values.methods.get
const methodAt = (dotted) => {
  const parts = dotted.split('.');
  const name = parts.pop();
  let node = doc;
  for (const part of parts) node = node.resources[part];
  const method = node.methods[name];
  if (!method) throw new Error(`${doc.id} has no method ${dotted}`);
  return method;
};

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
for (const dotted of wanted) {
  const method = methodAt(dotted);
  methods[method.id] = strip(method);
  if (method.request) roots.push(method.request.$ref);
  if (method.response) roots.push(method.response.$ref);
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
writeFileSync(target, `${JSON.stringify(subset)}\n`);
