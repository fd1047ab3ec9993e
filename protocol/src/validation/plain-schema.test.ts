import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quickCheck } from './plain-schema.js';
import { createAjv } from './shared-ajv.js';
import { compileSchema } from './validate.js';

const nullable = (type: string, extra: object = {}) => ({ type: ['null', type], ...extra });

// What source-postgres discovers for a table of every kind of column.
const discovered = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    id: nullable('string', { airbyte_type: 'integer' }),
    name: nullable('string'),
    active: nullable('boolean'),
    score: nullable('string', { airbyte_type: 'number' }),
    ratio: nullable('number'),
    seats: nullable('integer'),
    signed_up: nullable('string', { format: 'date' }),
    updated_at: nullable('string', { format: 'date-time', airbyte_type: 'timestamp_with_timezone' }),
    starts: nullable('string', { format: 'time' }),
    email: { type: 'string', format: 'email', description: 'contact' },
    attributes: { type: ['object', 'array', 'string', 'number', 'boolean', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
  },
};

const plainSchemas: Record<string, object> = {
  discovered,
  strict: {
    type: 'object',
    required: ['id', 'address'],
    additionalProperties: false,
    properties: {
      id: { type: 'integer' },
      address: {
        type: 'object',
        additionalProperties: { type: 'string' },
        properties: { zip: { type: 'string', format: 'date' } },
      },
      anything: true,
      nothing: false,
    },
  },
  emptyObject: {},
  arrayOfObjects: { type: 'array', items: { type: 'object', required: ['a'] } },
  nested: { items: { additionalProperties: { type: 'array', items: { type: 'integer' } } } },
};

const values: unknown[] = [
  null,
  0,
  1.5,
  'text',
  true,
  [],
  ['a', 1],
  {},
  { id: '1', name: 'Ada', active: true, score: '1.50', ratio: 0.5, seats: 3 },
  { id: 1, name: null, signed_up: '2024-02-29', updated_at: '2024-01-01T00:00:00Z', starts: '10:00:00Z' },
  { signed_up: '2023-02-29' },
  { signed_up: '2024-13-01' },
  { updated_at: '2024-01-01 00:00:00' },
  { updated_at: '2024-01-01' },
  { updated_at: '0001-01-01T00:00:00 BC' },
  { starts: '25:00:00' },
  { email: 'a@example.com' },
  { email: 'not an email' },
  { email: null },
  { seats: 1.5 },
  { seats: 2 },
  { ratio: 'NaN' },
  { attributes: { nested: [1, { a: null }] } },
  { tags: ['a', 'b'] },
  { tags: ['a', 2] },
  { tags: 'a' },
  { id: 7, address: { zip: '2024-01-01', city: 'Paris' } },
  { id: 7, address: { zip: '2024-01-01', city: 3 } },
  { id: 7, address: { zip: 'x' } },
  { id: 7 },
  { id: 7.5, address: {} },
  { id: 7, address: {}, extra: 1 },
  { id: 7, address: {}, anything: [1] },
  { id: 7, address: {}, nothing: 1 },
  [{ a: 1 }, { b: 2 }],
  [{ a: 1 }],
  JSON.parse('{"__proto__": "x", "id": 1}'),
  [{ a: [1, 2] }, { b: [] }],
  [{ a: [1.5] }],
  [{ a: 'x' }],
];

describe('quickCheck', () => {
  const ajv = createAjv({ validateSchema: false });

  it.each(Object.entries(plainSchemas))(
    '%s: accepts only what ajv accepts, and every value ajv accepts',
    (_name, schema) => {
      const quick = quickCheck(schema);
      expect(quick).toBeTypeOf('function');
      const validate = ajv.compile(schema);
      for (const value of values) expect([value, quick!(value)]).toEqual([value, validate(value)]);
    },
  );

  it.each([
    ['a $ref', { properties: { a: { $ref: '#/definitions/x' } }, definitions: { x: {} } }],
    ['oneOf', { oneOf: [{ type: 'string' }, { type: 'null' }] }],
    ['enum', { enum: ['a'] }],
    ['a tuple', { type: 'array', items: [{ type: 'string' }] }],
    ['patternProperties', { type: 'object', patternProperties: { '^a': { type: 'string' } } }],
    ['an unknown format', { type: 'string', format: 'jsonl' }],
    ['a numeric format', { type: 'number', format: 'int64' }],
    ['an unknown type', { type: 'text' }],
    ['a repeated type', { type: ['string', 'string'] }],
    ['another draft', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }],
    ['an $id', { $id: 'https://example.com/s.json', type: 'object' }],
    ['a keyword nested deep', { properties: { a: { items: { minLength: 1 } } } }],
  ])('leaves a schema with %s to ajv', (_name, schema) => {
    expect(quickCheck(schema)).toBeUndefined();
  });
});

describe('compileSchema of a plain schema', () => {
  it('refuses through ajv, which describes the error', () => {
    const error = compileSchema(discovered).check({ seats: 'many' }, { source: 'stream "s" record', line: 4 });
    expect(error?.message).toBe('stream "s" record line 4: /seats must be null or integer (got string "many")');
    expect(compileSchema(discovered).check({ seats: 2 })).toBeUndefined();
  });

  it('still refuses an invalid schema at once', () => {
    expect(() => compileSchema({ type: 'object', properties: { a: { type: 'string', title: 5 } } })).toThrow(
      /schema is invalid/,
    );
  });

  it('loads no ajv while every value passes', () => {
    // In a process of its own (this one has ajv loaded), through the build other packages import.
    const validate = fileURLToPath(new URL('../../dist/validation/validate.js', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      const { compileSchema } = await import(${JSON.stringify(validate)});
      const check = compileSchema(${JSON.stringify(discovered)});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.endsWith('/ajv/dist/ajv.js'));
      const before = [check.check({ id: '1', signed_up: '2024-01-01' }), loaded()];
      const refused = check.check({ seats: 'many' }) !== undefined;
      console.log(JSON.stringify([...before, refused, loaded()]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([null, false, true, true]);
  });
});
