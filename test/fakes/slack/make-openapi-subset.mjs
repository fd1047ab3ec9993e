// Regenerates openapi-subset.json from Slack's Web API OpenAPI 2.0 document (MIT, slackapi/slack-api-specs):
//   node test/fakes/slack/make-openapi-subset.mjs <path to slack_web_openapi_v2.json>
//   npx prettier --write test/fakes/slack/openapi-subset.json
// Keeps only the methods destination-slack calls and the definitions they reach, without
// prose or examples, so tests validate requests and responses against Slack's own spec.
import { readFileSync, writeFileSync } from 'node:fs';

const METHODS = [
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'chat.delete',
  'conversations.history',
  'conversations.list',
  'conversations.info',
  'users.lookupByEmail',
];

const source = process.argv[2];
if (!source) throw new Error('usage: make-openapi-subset.mjs <slack_web_openapi_v2.json>');
const doc = JSON.parse(readFileSync(source, 'utf8'));

const strip = (value) => {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, inner]) => !(['description', 'title'].includes(key) && typeof inner === 'string'))
      .filter(([key]) => key !== 'examples' && key !== 'externalDocs' && key !== 'x-slack-no-auth')
      .map(([key, inner]) => [key, strip(inner)]),
  );
};

const paths = {};
for (const method of METHODS) paths[`/${method}`] = strip(doc.paths[`/${method}`]);

const definitions = {};
const reach = (node) => {
  if (Array.isArray(node)) return node.forEach(reach);
  if (node === null || typeof node !== 'object') return;
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace('#/definitions/', '');
    if (!(name in definitions)) {
      definitions[name] = strip(doc.definitions[name]);
      reach(definitions[name]);
    }
  }
  Object.values(node).forEach(reach);
};
reach(paths);

const subset = {
  swagger: doc.swagger,
  info: {
    title: doc.info.title,
    version: doc.info.version,
    source: 'slackapi/slack-api-specs web-api/slack_web_openapi_v2.json @ dfea73e0',
  },
  basePath: doc.basePath,
  paths,
  definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(new URL('./openapi-subset.json', import.meta.url), JSON.stringify(subset, null, 2) + '\n');
