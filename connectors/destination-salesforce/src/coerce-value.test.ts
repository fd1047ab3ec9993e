import { describe, expect, it } from 'vitest';
import { coerceValue } from './coerce-value.js';
import type { SalesforceField } from './object-schema.js';

const field = (type: string, extra: Partial<SalesforceField> = {}): SalesforceField => ({
  name: 'F__c',
  label: 'F',
  type,
  length: 0,
  createable: true,
  updateable: true,
  nillable: true,
  externalId: false,
  picklistValues: [],
  restrictedPicklist: false,
  ...extra,
});

describe('coerceValue', () => {
  it.each([
    ['boolean', 'YES', true],
    ['boolean', 0, false],
    ['int', '42', 42],
    ['double', '12.50', 12.5],
    ['currency', 1e-7, 1e-7],
    ['date', '2024-02-29', '2024-02-29'],
    ['datetime', '2024-02-29T18:30:00+02:00', '2024-02-29T16:30:00.000Z'],
    ['datetime', '2024-01-31 12:34:56.789', '2024-01-31T12:34:56.789Z'],
    ['time', '08:15:00.000Z', '08:15:00.000Z'],
    ['string', 123, '123'],
    ['email', null, null],
  ])('%s %j → %j', (type, value, expected) => {
    expect(coerceValue(field(type), value)).toEqual({ value: expected });
  });

  it.each([
    ['boolean', 'maybe', /expected true or false/],
    ['int', '4.5', /expected an integer/],
    ['double', 'abc', /expected a number/],
    ['date', '2023-02-29', /expected a date/],
    ['date', '2024-01-31T00:00:00Z', /expected a date/],
    ['datetime', '2024-02-30T00:00:00Z', /expected a timestamp/],
    ['datetime', 'yesterday', /expected a timestamp/],
  ])('%s %j is refused', (type, value, problem) => {
    expect(coerceValue(field(type), value)).toEqual({ problem: expect.stringMatching(problem) });
  });

  it('checks restricted picklists only, joining multi-select values with ;', () => {
    const restricted = field('multipicklist', { picklistValues: ['a', 'b'], restrictedPicklist: true });
    expect(coerceValue(restricted, ['a', 'b'])).toEqual({ value: 'a;b' });
    expect(coerceValue(restricted, 'a;z')).toEqual({ problem: '"z" is not a value of the restricted picklist (a, b)' });
    expect(coerceValue(field('picklist', { picklistValues: ['a'] }), 'other')).toEqual({ value: 'other' });
  });
});
