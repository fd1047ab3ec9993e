import { describe, expect, it } from 'vitest';
import { codecFor, columnSchema } from './type-mapping.js';
import type { PgType } from './type-registry.js';

const scalar = (base: number): PgType => ({ kind: 'scalar', oid: base, sqlName: 'x', base, isEnum: false });
const arrayOf = (element: PgType): PgType => ({ kind: 'array', oid: 1, sqlName: 'x[]', element, delimiter: ',' });

describe('type mapping', () => {
  it('keeps 64-bit integers and numerics as strings', () => {
    expect(columnSchema(scalar(20), false)).toEqual({ type: 'string', airbyte_type: 'integer' });
    expect(codecFor(scalar(20)).decode('9007199254740993')).toBe('9007199254740993');
    expect(columnSchema(scalar(1700), true)).toEqual({ type: ['null', 'string'], airbyte_type: 'number' });
  });

  it('maps arrays with nullable items and decodes their elements', () => {
    const int8s = arrayOf(scalar(20));
    expect(columnSchema(int8s, true)).toEqual({
      type: ['null', 'array'],
      items: { type: ['null', 'string'], airbyte_type: 'integer' },
    });
    expect(codecFor(int8s).decode('{1,NULL,9007199254740993}')).toEqual(['1', null, '9007199254740993']);
    expect(codecFor(arrayOf(scalar(23))).decode('{1,2}')).toEqual([1, 2]);
  });

  it('does not add null twice to json', () => {
    expect(columnSchema(scalar(3802), true)).toEqual({
      type: ['object', 'array', 'string', 'number', 'boolean', 'null'],
    });
  });

  it('falls back to text for unknown types', () => {
    expect(columnSchema(scalar(3904), false)).toEqual({ type: 'string' });
    expect(codecFor(scalar(3904)).decode('[1,5)')).toBe('[1,5)');
  });
});
