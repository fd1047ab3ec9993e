import type { ErrorObject, ValidateFunction } from 'ajv';
import {
  connectorConfigValidators,
  metaSchemaValidator,
  protocolValidators,
  schemaValidators,
} from '../generated/validators.js';
import type { AirbyteMessage } from '../types.js';
import { describeErrors } from './describe-errors.js';
import { quickCheck } from './plain-schema.js';
import { checkPayloads } from './message-rules.js';
import { ProtocolError, type ProtocolLocation } from './protocol-error.js';
import { secretPropertyNames } from './secrets.js';
import { configAjv, sharedAjv } from './shared-ajv.js';

/** Where a value came from: a source name, or a line and source. */
export type Where = string | ProtocolLocation;

/**
 * A compiled JSON Schema. Calling it returns `value` typed as `T`, or throws a
 * {@link ProtocolError}.
 */
export interface CompiledSchema<T> {
  (value: unknown, where?: Where): T;
  /** Returns the error instead of throwing; `undefined` when `value` is valid. */
  check(value: unknown, where?: Where): ProtocolError | undefined;
}

const byObject = new WeakMap<object, CompiledSchema<unknown>>();
const byText = new Map<string, CompiledSchema<unknown>>();
const byProtocolValidator = new Map<ValidateFunction, CompiledSchema<unknown>>();

/** What {@link wrap} needs of a validator: ajv's, or {@link quickThenAjv}. */
type Validator = Pick<ValidateFunction, 'errors'> & ((value: unknown) => boolean);

function wrap<T>(validator: Validator, secretNames: ReadonlySet<string>): CompiledSchema<T> {
  const check = (value: unknown, where?: Where): ProtocolError | undefined => {
    if (validator(value)) return undefined;
    return new ProtocolError({
      ...describeErrors(validator.errors ?? [], secretNames),
      ...location(where),
    });
  };
  const validate = (value: unknown, where?: Where): T => {
    const error = check(value, where);
    if (error) throw error;
    return value as T;
  };
  return Object.assign(validate, { check });
}

/**
 * Compiles (once, then cached) an arbitrary JSON Schema such as a connector's config spec or
 * a stream's `json_schema`. Values of properties marked `airbyte_secret: true` never appear
 * in errors. A schema ajv cannot compile raises a ProtocolError with rule `schema`.
 */
export function compileSchema<T = unknown>(schema: object): CompiledSchema<T> {
  const cached = byObject.get(schema);
  if (cached) return cached as CompiledSchema<T>;
  const text = JSON.stringify(schema);
  let compiled = byText.get(text);
  if (!compiled) {
    // Schemas of this repository (the runner's connection file) have their code generated.
    const validator = schemaValidators.get(text)?.() ?? quickThenAjv(schema, text) ?? compileNew(schema, text);
    compiled = wrap(validator, secretPropertyNames(schema));
    byText.set(text, compiled);
  }
  byObject.set(schema, compiled);
  return compiled as CompiledSchema<T>;
}

const configsByText = new Map<string, CompiledSchema<unknown>>();

/**
 * Compiles a connector's config spec (`connectionSpecification`). The returned function
 * validates a copy of the config and returns it with the spec's `default`s filled in, so
 * connectors read defaults from spec.json instead of repeating them in code.
 */
export function compileConfigSchema<T = unknown>(schema: object): CompiledSchema<T> {
  const text = JSON.stringify(schema);
  let compiled = configsByText.get(text);
  if (!compiled) {
    // The connectors of this repository have theirs generated: they never load ajv.
    const validator = connectorConfigValidators.get(text)?.() ?? compileNew(schema, text, configAjv());
    const inner = wrap<unknown>(validator, secretPropertyNames(schema));
    const check = (value: unknown, where?: Where) => inner.check(structuredClone(value), where);
    const validate = (value: unknown, where?: Where) => inner(structuredClone(value), where);
    compiled = Object.assign(validate, { check });
    configsByText.set(text, compiled);
  }
  return compiled as CompiledSchema<T>;
}

/** `config` valid against `schema` (a connector's `connectionSpecification`), with the spec's defaults filled in. */
export function applySpecDefaults<T>(schema: object, config: unknown): T {
  return compileConfigSchema<T>(schema)(config, 'config');
}

/**
 * For a schema of the plain kind sources discover: a validator that accepts what its quick
 * check accepts, and asks ajv — compiled on the first such value — about anything else, so
 * ajv still decides every refusal and describes it. The schema is checked at once, as ajv would.
 */
function quickThenAjv(schema: object, text: string): Validator | undefined {
  const quick = quickCheck(schema);
  if (!quick) return undefined;
  checkAgainstMetaSchema(schema);
  let ajvValidator: ValidateFunction | undefined;
  const validator = (value: unknown): boolean => {
    if (quick(value)) return true;
    ajvValidator ??= compileNew(schema, text);
    const valid = ajvValidator(value);
    validator.errors = ajvValidator.errors;
    return valid;
  };
  validator.errors = null as ValidateFunction['errors'];
  return validator;
}

function compileNew(schema: object, text: string, ajv = sharedAjv()): ValidateFunction {
  const id = (schema as { $id?: unknown }).$id;
  const registered = typeof id === 'string' ? ajv.getSchema(id) : undefined;
  if (registered) {
    if (JSON.stringify(registered.schema) === text) return registered;
    throw schemaError(`a different schema is already registered with $id ${String(id)}`);
  }
  checkAgainstMetaSchema(schema);
  try {
    return ajv.compile(schema);
  } catch (error) {
    throw schemaError(error instanceof Error ? error.message : String(error));
  }
}

/** The check ajv would make itself (its instances skip it, see shared-ajv.ts), with its wording. */
function checkAgainstMetaSchema(schema: object): void {
  const metaSchema = metaSchemaValidator();
  if (!metaSchema(schema)) throw schemaError(`schema is invalid: ${errorsText(metaSchema.errors)}`);
}

function errorsText(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `data${error.instancePath} ${error.message ?? ''}`).join(', ');
}

function schemaError(detail: string): ProtocolError {
  return new ProtocolError({ rule: 'schema', path: '', expected: 'a valid JSON Schema (draft-07)', actual: detail });
}

function protocolValidator<T>(schemaTitleOrId: string): CompiledSchema<T> {
  const protocol = protocolValidators();
  const validator = Object.hasOwn(protocol, schemaTitleOrId) ? protocol[schemaTitleOrId] : undefined;
  if (!validator) throw new Error(`unknown protocol schema "${schemaTitleOrId}"`);
  let compiled = byProtocolValidator.get(validator);
  if (!compiled) {
    compiled = wrap(validator, new Set());
    byProtocolValidator.set(validator, compiled);
  }
  return compiled as CompiledSchema<T>;
}

/**
 * Validates `value` against a protocol schema named by title (`ConfiguredAirbyteCatalog`),
 * file name (`configured-airbyte-catalog.json`) or `$id`. Throws a {@link ProtocolError}.
 */
export function validateWith<T>(schemaTitleOrId: string, value: unknown, where?: Where): T {
  return protocolValidator<T>(schemaTitleOrId)(value, where);
}

/**
 * Validates one protocol message: the AirbyteMessage schema, then the payload rules the
 * schema leaves implicit (a `RECORD` needs `record`, a `STREAM` state needs `stream`...).
 * Throws a {@link ProtocolError}.
 */
export function validateMessage(value: unknown, where?: Where): AirbyteMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const { line, source } = location(where);
    throw ProtocolError.notObject(value, line, source);
  }
  const message = protocolValidator<AirbyteMessage>('AirbyteMessage')(value, where);
  const broken = checkPayloads(message);
  if (broken) throw new ProtocolError({ ...broken, ...location(where) });
  return message;
}

function location(where: Where | undefined): ProtocolLocation {
  if (where === undefined) return {};
  return typeof where === 'string' ? { source: where } : where;
}
