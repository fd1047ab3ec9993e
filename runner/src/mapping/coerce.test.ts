import { describe, expect, it } from 'vitest';
import { CoercionError, coerce } from './coerce.js';

describe('coerce', () => {
  it.each([
    ['string', 12.5, '12.5'],
    ['string', true, 'true'],
    ['string', { a: 1 }, '{"a":1}'],
    ['number', ' 12.50 ', 12.5],
    ['number', '1e3', 1000],
    ['number', false, 0],
    ['integer', '42', 42],
    ['integer', 7, 7],
    ['boolean', 'Yes', true],
    ['boolean', 'f', false],
    ['boolean', 0, false],
    ['date', '2024-03-05T23:30:00Z', '2024-03-05'],
    ['date', '2024-03-05', '2024-03-05'],
    ['datetime', '2024-03-05', '2024-03-05T00:00:00.000Z'],
    ['datetime', 0, '1970-01-01T00:00:00.000Z'],
  ] as const)('%s of %j is %j', (type, value, expected) => {
    expect(coerce(value, type)).toEqual(expected);
  });

  it('keeps null as null', () => {
    expect(coerce(null, 'integer')).toBeNull();
    expect(coerce(undefined, 'date')).toBeNull();
  });

  it.each([
    ['number', '12abc', /"12abc" is not a number/],
    ['number', '', /"" is not a number/],
    ['integer', '2.5', /"2.5" is not an integer/],
    ['integer', '99999999999999999999', /too large/],
    ['boolean', 'maybe', /"maybe" is not a boolean/],
    ['boolean', 2, /2 is not a boolean/],
    ['date', 'yesterday', /"yesterday" is not a date/],
  ] as const)('refuses %s of %j', (type, value, message) => {
    expect(() => coerce(value, type)).toThrow(CoercionError);
    expect(() => coerce(value, type)).toThrow(message);
  });
});
