import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import { protocolSchemas } from '../generated/schemas.js';

// ajv and its formats are loaded on the first validation, not at import: `spec` validates
// nothing, and loading them is about a third of a connector's start-up CPU.
const require = createRequire(import.meta.url);

/**
 * Annotation keywords used by Airbyte connector specs and stream schemas (and by our
 * schemas, copied from the reference). Declared so ajv's strict mode still rejects typos.
 */
export const ANNOTATION_KEYWORDS = [
  'airbyte_secret',
  'airbyte_hidden',
  'airbyte_type',
  'always_show',
  // Ours: marks a config field holding a host path the connector reads or writes ("read" |
  // "write"), so the Docker launcher can mount it.
  'backflow_path',
  'display_type',
  'existingJavaType',
  'group',
  'groups',
  'multiline',
  'order',
  'path_in_connector_config',
  'path_in_oauth_response',
  'pattern_descriptor',
  'tsType',
];

let instance: Ajv | undefined;
let configInstance: Ajv | undefined;
let idsByName: Map<string, string> | undefined;

/** The one ajv instance of the process, holding every protocol schema. */
export function sharedAjv(): Ajv {
  instance ??= createAjv(false);
  return instance;
}

/**
 * The ajv instance that validates connector configs: the shared options plus `useDefaults`,
 * so a config comes out with its spec's defaults filled in. Separate because filling in
 * defaults changes the value, which message validation must never do.
 */
export function configAjv(): Ajv {
  configInstance ??= createAjv(true);
  return configInstance;
}

function createAjv(useDefaults: boolean): Ajv {
  const { Ajv } = require('ajv') as typeof import('ajv');
  const formats = require('ajv-formats') as typeof import('ajv-formats');
  const ajv = new Ajv({
    useDefaults,
    // Stop at the first failure (oneOf/anyOf still report each branch): fast on the hot
    // path, and we report a single error anyway.
    allErrors: false,
    // Errors carry the failing value and schema, needed to describe them and mask secrets.
    verbose: true,
    // Connector specs and stream schemas in the wild carry keywords and formats of their own
    // (`format: int64`, UI hints): JSON Schema treats unknown ones as annotations, and so do we.
    strict: 'log',
    logger: false,
    // Connector specs in the wild omit `type` next to `properties`; that is not an error.
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    keywords: ANNOTATION_KEYWORDS,
  });
  // ajv-formats ships its own copy of ajv's types; the plugin works on any ajv 8 instance.
  (formats.default as unknown as (ajv: Ajv) => Ajv)(ajv);
  // Airbyte marks timestamps without a time zone `format: date-time` too (with
  // `airbyte_type: timestamp_without_timezone`), so the offset is optional here; its
  // well-known types also allow a trailing era.
  ajv.addFormat('date-time', /^\d{4,}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?( BC)?$/);
  for (const schema of protocolSchemas) ajv.addSchema(schema as Record<string, unknown>);
  return ajv;
}

/** The `$id` of a protocol schema given its title, file name or `$id`. */
export function protocolSchemaId(name: string): string | undefined {
  if (!idsByName) {
    idsByName = new Map();
    for (const schema of protocolSchemas) {
      const id = String(schema.$id);
      idsByName.set(id, id);
      idsByName.set(String(schema.title), id);
      idsByName.set(id.slice(id.lastIndexOf('/') + 1), id);
    }
  }
  return idsByName.get(name);
}
