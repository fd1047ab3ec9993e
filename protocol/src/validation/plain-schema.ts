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

/** Each JSON Schema type as a test of the variable `v`, as strict as ajv's or stricter. */
const TYPE_TESTS: Readonly<Record<string, (v: string) => string>> = {
  null: (v) => `${v} === null`,
  boolean: (v) => `typeof ${v} === 'boolean'`,
  string: (v) => `typeof ${v} === 'string'`,
  number: (v) => `(typeof ${v} === 'number' && Number.isFinite(${v}))`,
  integer: (v) => `Number.isInteger(${v})`,
  array: (v) => `Array.isArray(${v})`,
  object: (v) => `isObject(${v})`,
};

/**
 * A check that accepts only values ajv accepts, for a schema of the plain kind connectors
 * discover (types, properties, required, additionalProperties, items, string formats and
 * annotations), or undefined for any other schema. Building it costs next to nothing where
 * loading ajv and compiling with it costs ~50 ms of CPU at start-up; like ajv's, its code is
 * generated, so checking a record costs about what ajv's check does. A value it does not
 * accept goes to ajv, which decides and describes the error.
 */
export function quickCheck(schema: object): QuickCheck | undefined {
  const { $schema, ...rest } = schema as Record<string, unknown>;
  if ($schema !== undefined && !DRAFT_07.has($schema as string)) return undefined;
  const generator = new Generator();
  const body = generator.node(rest, 'data');
  if (body === undefined) return undefined;
  const names = [...generator.values.keys()];
  // Only generated names and JSON string literals of the schema's property names reach the code.
  const build = new Function('isObject', ...names, `return (data) => {\n${body}\nreturn true;\n};`) as (
    ...values: unknown[]
  ) => QuickCheck;
  return build(isObject, ...generator.values.values());
}

/** Statements that `return false` when a value breaks the schema, for one schema tree. */
class Generator {
  /** Values the code refers to (format checks, property name sets), by their name in it. */
  readonly values = new Map<string, unknown>();
  private names = 0;

  /** Statements checking the variable `v` against `schema`, or undefined when it is not plain. */
  node(schema: unknown, v: string): string | undefined {
    if (typeof schema === 'boolean') return schema ? '' : 'return false;';
    if (!isObject(schema)) return undefined;
    const statements: string[] = [];
    for (const [keyword, value] of Object.entries(schema)) {
      if (ANNOTATIONS.has(keyword)) continue;
      const statement = this.keyword(keyword, value, schema, v);
      if (statement === undefined) return undefined;
      statements.push(statement);
    }
    return statements.join('\n');
  }

  private keyword(keyword: string, value: unknown, schema: Record<string, unknown>, v: string): string | undefined {
    switch (keyword) {
      case 'type':
        return this.type(value, v);
      case 'properties':
        return this.properties(value, v);
      case 'required':
        if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) return undefined;
        return `if (isObject(${v}) && (${value.map((name) => `${v}[${JSON.stringify(name)}] === undefined`).join(' || ') || 'false'})) return false;`;
      case 'additionalProperties':
        return this.additional(value, schema['properties'], v);
      case 'items': {
        const item = this.name('item');
        const check = Array.isArray(value) ? undefined : this.node(value, item);
        return check === undefined ? undefined : `if (Array.isArray(${v})) for (const ${item} of ${v}) {\n${check}\n}`;
      }
      case 'format': {
        const test = typeof value === 'string' ? formatTest(value) : undefined;
        if (!test) return undefined;
        const name = this.value('format', test);
        return `if (typeof ${v} === 'string' && !${name}(${v})) return false;`;
      }
      default:
        return undefined;
    }
  }

  private type(value: unknown, v: string): string | undefined {
    const names = Array.isArray(value) ? value : [value];
    if (names.length === 0 || new Set(names).size !== names.length) return undefined;
    const tests = names.map((name) =>
      typeof name === 'string' && Object.hasOwn(TYPE_TESTS, name) ? TYPE_TESTS[name] : undefined,
    );
    if (tests.some((test) => !test)) return undefined;
    return `if (!(${tests.map((test) => test!(v)).join(' || ')})) return false;`;
  }

  private properties(value: unknown, v: string): string | undefined {
    if (!isObject(value)) return undefined;
    const statements: string[] = [];
    for (const [name, schema] of Object.entries(value)) {
      const property = this.name('property');
      const check = this.node(schema, property);
      if (check === undefined) return undefined;
      if (check === '') continue;
      statements.push(
        `const ${property} = ${v}[${JSON.stringify(name)}];\nif (${property} !== undefined) {\n${check}\n}`,
      );
    }
    return statements.length === 0 ? '' : `if (isObject(${v})) {\n${statements.join('\n')}\n}`;
  }

  private additional(value: unknown, properties: unknown, v: string): string | undefined {
    if (properties !== undefined && !isObject(properties)) return undefined;
    const key = this.name('key');
    const check = this.node(value, `${v}[${key}]`);
    if (check === undefined) return undefined;
    if (check === '') return '';
    const declared = this.value('declared', new Set(Object.keys(properties ?? {})));
    return `if (isObject(${v})) for (const ${key} in ${v}) if (!${declared}.has(${key})) {\n${check}\n}`;
  }

  private name(prefix: string): string {
    return `${prefix}${this.names++}`;
  }

  private value(prefix: string, value: unknown): string {
    const name = this.name(prefix);
    this.values.set(name, value);
    return name;
  }
}

/** A string format checked as the shared ajv checks it (shared-ajv.ts); undefined for any other. */
function formatTest(name: string): ((text: string) => boolean) | undefined {
  if (name === 'date-time') return (text) => DATE_TIME.test(text);
  const { fullFormats } = require('ajv-formats/dist/formats') as {
    fullFormats: Record<string, FormatDefinition | undefined>;
  };
  const definition = Object.hasOwn(fullFormats, name) ? fullFormats[name] : undefined;
  if (definition === undefined) return undefined;
  if (definition instanceof RegExp) return (text) => definition.test(text);
  if (typeof definition === 'function') return definition;
  // Formats of numbers (int32, float...) are left to ajv.
  if ((definition.type ?? 'string') !== 'string') return undefined;
  const { validate } = definition;
  if (validate instanceof RegExp) return (text) => validate.test(text);
  return typeof validate === 'function' ? (validate as (text: string) => boolean) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
