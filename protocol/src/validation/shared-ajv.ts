import { createRequire } from 'node:module';
import type { Ajv, Options } from 'ajv';
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

/**
 * `format: date-time` as Backflow checks it. Airbyte marks timestamps without a time zone
 * `format: date-time` too (with `airbyte_type: timestamp_without_timezone`), so the offset is
 * optional here; its well-known types also allow a trailing era.
 */
export const DATE_TIME = /^\d{4,}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?( BC)?$/;

let instance: Ajv | undefined;
let configInstance: Ajv | undefined;

/**
 * The one ajv instance of the process, for schemas only known at run time (stream schemas,
 * connector specs checked by the runner). Protocol values are validated by the code generated
 * from their schemas (`../generated/validators.ts`), not by this instance.
 */
export function sharedAjv(): Ajv {
  instance ??= runtimeAjv(false);
  return instance;
}

/**
 * The ajv instance that validates connector configs: the shared options plus `useDefaults`,
 * so a config comes out with its spec's defaults filled in. Separate because filling in
 * defaults changes the value, which message validation must never do.
 */
export function configAjv(): Ajv {
  configInstance ??= runtimeAjv(true);
  return configInstance;
}

// `validateSchema: false`: compiling ajv's draft-07 meta-schema costs each instance about
// 40 ms. The check is not dropped: validate.ts runs every run-time schema through the
// meta-schema validator generated with the protocol's (`JsonSchemaDraft07`) before compiling it.
function runtimeAjv(useDefaults: boolean): Ajv {
  const ajv = createAjv({ useDefaults, validateSchema: false });
  // Registered (not compiled) so run-time schemas can $ref them.
  for (const schema of protocolSchemas) ajv.addSchema(schema as Record<string, unknown>);
  return ajv;
}

/**
 * A new ajv instance with Backflow's options, keywords and formats. Also used by
 * scripts/gen-types.mjs (with `code.source`) so generated validators behave as compiled ones.
 */
export function createAjv(options: Options = {}): Ajv {
  const { Ajv } = require('ajv') as typeof import('ajv');
  const formats = require('ajv-formats') as typeof import('ajv-formats');
  const ajv = new Ajv({
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
    ...options,
  });
  // ajv-formats ships its own copy of ajv's types; the plugin works on any ajv 8 instance.
  (formats.default as unknown as (ajv: Ajv) => Ajv)(ajv);
  ajv.addFormat('date-time', DATE_TIME);
  return ajv;
}
