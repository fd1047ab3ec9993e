import { describe, expect, it } from 'vitest';
import { converterFor, isoDuration, timestampText, trimFraction } from './type-mapping.js';

describe('isoDuration', () => {
  it('turns BigQuery canonical intervals into ISO-8601 durations with a sign per component', () => {
    expect(isoDuration('1-2 3 4:5:6.5')).toBe('P1Y2M3DT4H5M6.5S');
    expect(isoDuration('0-0 3 4:0:0.500000')).toBe('P3DT4H0.5S');
    expect(isoDuration('-1-0 0 0:0:0')).toBe('P-1Y');
    expect(isoDuration('0-0 -1 -2:0:0')).toBe('P-1DT-2H');
    expect(isoDuration('0-0 0 0:0:0')).toBe('PT0S');
    expect(isoDuration('not an interval')).toBe('not an interval');
  });
});

describe('trimFraction', () => {
  it('drops padding zeros of a fraction, and an all-zero fraction', () => {
    expect(trimFraction('2024-02-29T12:34:56.123456000Z')).toBe('2024-02-29T12:34:56.123456Z');
    expect(trimFraction('2024-02-29T12:34:56.000000000Z')).toBe('2024-02-29T12:34:56Z');
    expect(trimFraction('08:09:10.500000')).toBe('08:09:10.5');
    expect(trimFraction('08:09:10')).toBe('08:09:10');
    expect(trimFraction('2024-02-29T00:00:10.010')).toBe('2024-02-29T00:00:10.01');
  });
});

describe('timestampText', () => {
  it('writes int64 microseconds as ISO-8601 UTC, microseconds kept', () => {
    expect(timestampText('1709210096123456')).toBe('2024-02-29T12:34:56.123456Z');
    expect(timestampText('1709210096000000')).toBe('2024-02-29T12:34:56Z');
    expect(timestampText('-1')).toBe('1969-12-31T23:59:59.999999Z');
    expect(timestampText('-62135596800000000')).toBe('0001-01-01T00:00:00Z');
    expect(timestampText('253402300799999999')).toBe('9999-12-31T23:59:59.999999Z');
  });

  it('also reads ISO strings and float seconds', () => {
    expect(timestampText('2024-02-29T12:34:56.500000Z')).toBe('2024-02-29T12:34:56.5Z');
    expect(timestampText('1.7092100965E9')).toBe('2024-02-29T12:34:56.5Z');
  });
});

describe('converterFor', () => {
  it('writes non-finite FLOAT64 values as strings and keeps the rest numbers', () => {
    const convert = converterFor({ name: 'f', type: 'FLOAT', mode: 'NULLABLE' });
    expect(['NaN', 'Infinity', '-Infinity', '1.5E-7', '2.0', null].map(convert)).toEqual([
      'NaN',
      'Infinity',
      '-Infinity',
      1.5e-7,
      2,
      null,
    ]);
  });

  it('turns a NULL REPEATED field into an empty array (BigQuery has no NULL arrays)', () => {
    const convert = converterFor({ name: 'xs', type: 'INTEGER', mode: 'REPEATED' });
    expect(convert(null)).toEqual([]);
    expect(convert([{ v: '1' }, { v: '9007199254740993' }])).toEqual(['1', '9007199254740993']);
  });

  it('adds a column named __proto__ as a property, not a prototype', () => {
    const convert = converterFor({ name: 'r', type: 'RECORD', fields: [{ name: '__proto__', type: 'STRING' }] });
    const record = convert({ f: [{ v: 'x' }] }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(JSON.stringify(record)).toBe('{"__proto__":"x"}');
  });
});
