import { describe, expect, it } from 'vitest';
import { coerceValue, plainDecimal } from './coerce-value.js';
import type { HubSpotProperty } from './object-schema.js';

const property = (type: string, fieldType: string, extra: Partial<HubSpotProperty> = {}): HubSpotProperty => ({
  name: 'p',
  label: 'P',
  description: '',
  type,
  fieldType,
  options: [],
  externalOptions: false,
  hasUniqueValue: false,
  readOnly: false,
  ...extra,
});
const options = (...values: string[]) => values.map((value) => ({ value, label: value.toUpperCase() }));

describe('coerceValue', () => {
  it('clears a property with null', () => {
    expect(coerceValue(property('number', 'number'), null)).toEqual({ value: '' });
  });

  it.each([
    [42, '42'],
    [-0.5, '-0.5'],
    [1e-7, '0.0000001'],
    [1e21, '1000000000000000000000'],
    ['12.50', '12.5'],
    ['9007199254740993', '9007199254740993'],
    [' +7 ', '7'],
    ['.25', '0.25'],
    ['1.5E3', '1500'],
  ])('numbers: %j → %s', (input, expected) => {
    expect(coerceValue(property('number', 'number'), input)).toEqual({ value: expected });
  });

  it.each([['NaN'], ['ten'], [true], [Number.POSITIVE_INFINITY], [{}]])('refuses %j as a number', (input) => {
    expect(coerceValue(property('number', 'number'), input)).toHaveProperty('problem');
  });

  it.each([
    [true, 'true'],
    ['FALSE', 'false'],
    [1, 'true'],
    ['no', 'false'],
  ])('booleans: %j → %s', (input, expected) => {
    expect(coerceValue(property('bool', 'booleancheckbox', { options: options('true', 'false') }), input)).toEqual({
      value: expected,
    });
  });

  it('matches enumeration options by value, then by label, and checks every one of several', () => {
    const select = property('enumeration', 'select', { options: options('lead', 'customer') });
    expect(coerceValue(select, 'lead')).toEqual({ value: 'lead' });
    expect(coerceValue(select, 'customer'.toUpperCase())).toEqual({ value: 'customer' });
    expect(coerceValue(select, 'prospect')).toEqual({
      problem: '"prospect" is not one of the options of p: [lead, customer]',
    });
    const checkbox = property('enumeration', 'checkbox', { options: options('a', 'b', 'c') });
    expect(coerceValue(checkbox, ['a', 'c'])).toEqual({ value: 'a;c' });
    expect(coerceValue(checkbox, 'b;c')).toEqual({ value: 'b;c' });
    expect(coerceValue(checkbox, ['a', 'z'])).toHaveProperty('problem');
    expect(coerceValue(select, ['a'])).toHaveProperty('problem');
    expect(coerceValue(property('enumeration', 'select', { externalOptions: true }), 'anything')).toEqual({
      value: 'anything',
    });
  });

  it.each([
    ['2024-01-31', '2024-01-31'],
    ['2024-01-31T23:30:00-02:00', '2024-02-01'],
    ['2024-01-31T12:00:00', '2024-01-31'],
    [Date.UTC(2024, 0, 31, 15), '2024-01-31'],
  ])('dates: %j → %s (the day in UTC)', (input, expected) => {
    expect(coerceValue(property('date', 'date'), input)).toEqual({ value: expected });
  });

  it.each([['2023-02-29'], ['31/01/2024'], [true]])('refuses %j as a date', (input) => {
    expect(coerceValue(property('date', 'date'), input)).toHaveProperty('problem');
  });

  it.each([
    ['2024-01-31T12:34:56.789123Z', '2024-01-31T12:34:56.789Z'],
    ['2024-01-31T12:34:56+0200', '2024-01-31T10:34:56.000Z'],
    ['2024-01-31 12:34', '2024-01-31T12:34:00.000Z'],
    ['2024-01-31', '2024-01-31T00:00:00.000Z'],
    [1706704496789, '2024-01-31T12:34:56.789Z'],
  ])('datetimes: %j → %s (no offset means UTC)', (input, expected) => {
    expect(coerceValue(property('datetime', 'date'), input)).toEqual({ value: expected });
  });

  it('writes other values as text, structures as JSON', () => {
    const text = property('string', 'text');
    expect(coerceValue(text, 12)).toEqual({ value: '12' });
    expect(coerceValue(text, { a: [1] })).toEqual({ value: '{"a":[1]}' });
  });
});

describe('plainDecimal', () => {
  it.each([
    ['-0', '0'],
    ['-1.20e-2', '-0.012'],
    ['000.500', '0.5'],
    ['5.', '5'],
  ])('%s → %s', (input, expected) => {
    expect(plainDecimal(input)).toBe(expected);
  });
});
