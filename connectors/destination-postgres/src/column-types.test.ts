import { describe, expect, it } from 'vitest';
import { columnTypeFor, isCompatible, sqlType } from './column-types.js';

const sql = (schema: Record<string, unknown>) => sqlType(columnTypeFor(schema));

describe('columnTypeFor', () => {
  it('maps protocol/docs/types.md back to Postgres types', () => {
    expect(sql({ type: 'integer' })).toBe('bigint');
    expect(sql({ type: 'number', airbyte_type: 'integer' })).toBe('bigint');
    expect(sql({ type: ['null', 'string'], airbyte_type: 'integer' })).toBe('bigint');
    expect(sql({ type: 'string', airbyte_type: 'number' })).toBe('numeric');
    expect(sql({ type: 'number' })).toBe('double precision');
    expect(sql({ type: 'string', format: 'date-time' })).toBe('timestamptz');
    expect(sql({ type: 'string', contentEncoding: 'base64' })).toBe('bytea');
    expect(sql({ type: ['null', 'array'], items: { type: 'string', format: 'date' } })).toBe('date[]');
    expect(sql({ type: 'array', items: { type: 'object' } })).toBe('jsonb');
    expect(sql({ type: 'array' })).toBe('jsonb');
    expect(sql({ type: ['string', 'integer'] })).toBe('jsonb');
    expect(sql({})).toBe('jsonb');
  });
});

describe('isCompatible', () => {
  const existing = (family: string, element?: string) =>
    ({ display: family, family, element }) as Parameters<typeof isCompatible>[1];

  it('accepts lossless targets and text, refuses others', () => {
    expect(isCompatible({ kind: 'bigint', array: false }, existing('integer'))).toBe(true);
    expect(isCompatible({ kind: 'bigint', array: false }, existing('text'))).toBe(true);
    expect(isCompatible({ kind: 'numeric', array: false }, existing('integer'))).toBe(false);
    expect(isCompatible({ kind: 'timestamptz', array: false }, existing('timestamp'))).toBe(false);
    expect(isCompatible({ kind: 'text', array: false }, existing('other'))).toBe(true);
    expect(isCompatible({ kind: 'text', array: true }, existing('json'))).toBe(true);
    expect(isCompatible({ kind: 'text', array: true }, existing('text', 'text'))).toBe(true);
    expect(isCompatible({ kind: 'text', array: false }, existing('text', 'text'))).toBe(false);
  });
});
