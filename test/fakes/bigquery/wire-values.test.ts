import { describe, expect, test } from 'vitest';
import { formatDouble, timestampFormat } from './wire-values.js';

describe('formatDouble', () => {
  test('writes doubles as Java does: plain in [1e-3, 1e7), scientific outside', () => {
    expect(formatDouble(1)).toBe('1.0');
    expect(formatDouble(-2.5)).toBe('-2.5');
    expect(formatDouble(0.001)).toBe('0.001');
    expect(formatDouble(1234567.5)).toBe('1234567.5');
    expect(formatDouble(1e7)).toBe('1.0E7');
    expect(formatDouble(1447216127)).toBe('1.447216127E9');
    expect(formatDouble(1.5e-7)).toBe('1.5E-7');
    expect(formatDouble(0)).toBe('0.0');
    expect(formatDouble(-0)).toBe('-0.0');
    expect(formatDouble(Number.NaN)).toBe('NaN');
    expect(formatDouble(-Infinity)).toBe('-Infinity');
  });

  test('every output reads back as the same number', () => {
    for (const value of [Math.PI, 1 / 3, 1e300, 5e-324, 123456789.125, 1709210096.123456]) {
      expect(Number(formatDouble(value))).toBe(value);
    }
  });
});

describe('timestampFormat', () => {
  test('defaults to FLOAT64; useInt64Timestamp and timestampOutputFormat choose others', () => {
    expect(timestampFormat({})).toBe('FLOAT64');
    expect(timestampFormat({ useInt64Timestamp: 'true' })).toBe('INT64');
    expect(timestampFormat({ useInt64Timestamp: true })).toBe('INT64');
    expect(timestampFormat({ useInt64Timestamp: false })).toBe('FLOAT64');
    expect(timestampFormat({ timestampOutputFormat: 'ISO8601_STRING', useInt64Timestamp: true })).toBe(
      'ISO8601_STRING',
    );
    expect(timestampFormat({ timestampOutputFormat: 'TIMESTAMP_OUTPUT_FORMAT_UNSPECIFIED' })).toBe('FLOAT64');
  });
});
