import { describe, expect, it } from 'vitest';
import {
  booleanValue,
  byteaValue,
  dateValue,
  floatValue,
  timeTzValue,
  timestampTzValue,
  timestampValue,
} from './text-values.js';

describe('text values', () => {
  it('keeps non-finite floats as strings', () => {
    expect(floatValue('1.5')).toBe(1.5);
    expect(floatValue('-0')).toBe(-0);
    expect(floatValue('NaN')).toBeNull();
    expect(floatValue('-Infinity')).toBeNull();
  });

  it('reads booleans and bytea', () => {
    expect(booleanValue('t')).toBe(true);
    expect(booleanValue('f')).toBe(false);
    expect(byteaValue('\\xdeadbeef')).toBe(Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'));
    expect(byteaValue('\\x')).toBe('');
  });

  it('writes dates and timestamps in ISO-8601, including BC and far-future years', () => {
    expect(dateValue('2024-01-31')).toBe('2024-01-31');
    expect(dateValue('0044-03-15 BC')).toBe('-0043-03-15');
    expect(dateValue('0001-01-01 BC')).toBe('0000-01-01');
    expect(dateValue('10000-01-01')).toBe('+10000-01-01');
    expect(dateValue('infinity')).toBe('infinity');
    expect(timestampValue('2024-01-31 12:34:56.789123')).toBe('2024-01-31T12:34:56.789123');
    expect(timestampValue('-infinity')).toBe('-infinity');
    expect(timestampTzValue('2024-01-31 12:34:56.789123+00')).toBe('2024-01-31T12:34:56.789123Z');
    expect(timestampTzValue('0044-03-15 12:00:00+00 BC')).toBe('-0043-03-15T12:00:00Z');
  });

  it('writes time zone offsets as ±hh:mm', () => {
    expect(timeTzValue('12:34:56+02')).toBe('12:34:56+02:00');
    expect(timeTzValue('12:34:56.5-05:30')).toBe('12:34:56.5-05:30');
  });
});
