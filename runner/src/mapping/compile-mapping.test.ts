import { describe, expect, it } from 'vitest';
import { compileMapping } from './compile-mapping.js';

describe('compileMapping', () => {
  const mapper = compileMapping({
    email: 'email',
    name: { template: '{{ first_name }} {{last_name}}' },
    'address.city': { from: 'city' },
    'address.zip': { from: 'meta.zip', type: 'string' },
    owner: { value: 'backflow' },
    age: { from: 'age', type: 'integer' },
  });

  it('maps columns, templates, nested paths, constants and types, in mapping order', () => {
    const result = mapper.map({
      email: 'a@b.c',
      first_name: 'Ada',
      last_name: null,
      city: 'Lyon',
      meta: { zip: 69001 },
      age: '36',
    });
    expect(result).toEqual({
      ok: true,
      data: { email: 'a@b.c', name: 'Ada ', address: { city: 'Lyon', zip: '69001' }, owner: 'backflow', age: 36 },
    });
    if (result.ok) expect(Object.keys(result.data)).toEqual(['email', 'name', 'address', 'owner', 'age']);
  });

  it('reports the field and the reason when a conversion fails', () => {
    expect(mapper.map({ email: 'x', age: 'old' })).toEqual({
      ok: false,
      field: 'age',
      reason: 'age: "old" is not a number',
    });
  });

  it('lists fields, source columns, and where an unconverted column is copied', () => {
    expect(mapper.fields).toEqual(['email', 'name', 'address.city', 'address.zip', 'owner', 'age']);
    expect([...mapper.columns].sort()).toEqual(['age', 'city', 'email', 'first_name', 'last_name', 'meta']);
    expect(mapper.fieldOf('email')).toBe('email');
    expect(mapper.fieldOf('age')).toBeUndefined();
  });
});
