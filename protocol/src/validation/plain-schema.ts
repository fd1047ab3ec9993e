import { createRequire } from 'node:module';
import { ANNOTATION_KEYWORDS, DATE_TIME } from './shared-ajv.js';

// ajv-formats' format checks are plain functions and regular expressions, loaded without ajv.
const require = createRequire(import.meta.url);

/** Whether a value passes: `false` only means "ajv must decide". */
export type QuickCheck = (value: unknown) => boolean;

type FormatDefinition = RegExp | ((text: string) => boolean) | { type?: string; validate: unknown };

const DRAFT_07 = new Set(['http://json-schema.org/draft-07/schema#', 'http://json-schema.org/draft-07/schema']);
const ANNOTATIONS = new Set<string>([
  ...ANNOTATION_KEYWORDS,
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'readOnly',
  'writeOnly',
]);

const TYPE_CHECKS: Readonly<Record<string, QuickCheck>> = {
  null: (value) => value === null,
  boolean: (value) => typeof value === 'boolean',
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  integer: (value) => Number.isInteger(value),
  array: (value) => Array.isArray(value),
  object: isObject,
};

/**
 * A check that accepts only values ajv accepts, for a schema of the plain kind connectors
 * discover (types, properties, required, additionalProperties, items, string formats and
 * annotations), or undefined for any other schema. Compiling it costs next to nothing where
 * loading ajv and compiling with it costs a runner or connector ~50 ms of CPU at start-up; a
 * value it does not accept goes to ajv, which decides and describes the error.
 */
export function quickCheck(schema: object): QuickCheck | undefined {
  const { $schema, ...rest } = schema as Record<string, unknown>;
  if ($schema !== undefined && !DRAFT_07.has($schema as string)) return undefined;
  return compileNode(rest);
}

function compileNode(node: unknown): QuickCheck | undefined {
  if (typeof node === 'boolean') return () => node;
  if (!isObject(node)) return undefined;
  const checks: QuickCheck[] = [];
  for (const [keyword, value] of Object.entries(node)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const check = compileKeyword(keyword, value, node);
    if (!check) return undefined;
    if (check !== ALWAYS) checks.push(check);
  }
  return (value) => checks.every((check) => check(value));
}

const ALWAYS: QuickCheck = () => true;

function compileKeyword(keyword: string, value: unknown, node: Record<string, unknown>): QuickCheck | undefined {
  switch (keyword) {
    case 'type':
      return typeCheck(value);
    case 'properties':
      return propertiesCheck(value);
    case 'required':
      return requiredCheck(value);
    case 'additionalProperties':
      return additionalCheck(value, node['properties']);
    case 'items': {
      const item = Array.isArray(value) ? undefined : compileNode(value);
      return item && ((data) => !Array.isArray(data) || data.every(item));
    }
    case 'format':
      return formatCheck(value);
    default:
      return undefined;
  }
}

function typeCheck(value: unknown): QuickCheck | undefined {
  const names = Array.isArray(value) ? value : [value];
  if (names.length === 0 || new Set(names).size !== names.length) return undefined;
  const checks = names.map((name) => (typeof name === 'string' ? TYPE_CHECKS[name] : undefined));
  if (checks.some((check) => !check)) return undefined;
  return (data) => checks.some((check) => check!(data));
}

function propertiesCheck(value: unknown): QuickCheck | undefined {
  if (!isObject(value)) return undefined;
  const entries: [string, QuickCheck][] = [];
  for (const [name, sub] of Object.entries(value)) {
    const check = compileNode(sub);
    if (!check) return undefined;
    entries.push([name, check]);
  }
  return (data) => !isObject(data) || entries.every(([name, check]) => data[name] === undefined || check(data[name]));
}

function requiredCheck(value: unknown): QuickCheck | undefined {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) return undefined;
  return (data) => !isObject(data) || value.every((name: string) => data[name] !== undefined);
}

function additionalCheck(value: unknown, properties: unknown): QuickCheck | undefined {
  if (properties !== undefined && !isObject(properties)) return undefined;
  const declared = properties ?? {};
  const check = compileNode(value);
  if (!check) return undefined;
  return (data) => {
    if (!isObject(data)) return true;
    for (const name in data) if (!Object.hasOwn(declared, name) && !check(data[name])) return false;
    return true;
  };
}

/** Formats that apply to strings, checked as ajv is configured to (shared-ajv.ts). */
function formatCheck(value: unknown): QuickCheck | undefined {
  if (typeof value !== 'string') return undefined;
  const test = value === 'date-time' ? (text: string) => DATE_TIME.test(text) : stringFormat(value);
  return test && ((data) => typeof data !== 'string' || test(data));
}

function stringFormat(name: string): ((text: string) => boolean) | undefined {
  const { fullFormats } = require('ajv-formats/dist/formats') as {
    fullFormats: Record<string, FormatDefinition | undefined>;
  };
  const definition = Object.hasOwn(fullFormats, name) ? fullFormats[name] : undefined;
  const validate = definition && !isFunctionOrRegExp(definition) ? definition.validate : definition;
  if (definition && !isFunctionOrRegExp(definition) && (definition.type ?? 'string') !== 'string') return undefined;
  if (validate instanceof RegExp) return (text) => validate.test(text);
  if (typeof validate === 'function') return validate as (text: string) => boolean;
  return undefined;
}

function isFunctionOrRegExp(definition: FormatDefinition): definition is RegExp | ((text: string) => boolean) {
  return typeof definition === 'function' || definition instanceof RegExp;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
