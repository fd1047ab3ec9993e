import { describe, expect, it } from 'vitest';
import { columnKindOf, encodeCell, readKeyText, sentKeyText } from './cell-value.js';

const ok = (cell: string | number | boolean) => ({ ok: true, cell });

describe('columnKindOf', () => {
  it('reads Backflow types (protocol/docs/types.md)', () => {
    expect(columnKindOf({ type: ['null', 'integer'] })).toBe('number');
    expect(columnKindOf({ type: 'string', airbyte_type: 'number' })).toBe('number');
    expect(columnKindOf({ type: 'string', airbyte_type: 'integer' })).toBe('number');
    expect(columnKindOf({ type: 'boolean' })).toBe('boolean');
    expect(columnKindOf({ type: ['null', 'string'], format: 'date' })).toBe('date');
    expect(columnKindOf({ type: 'string', format: 'date-time' })).toBe('date-time');
    expect(columnKindOf({ type: ['string', 'number'] })).toBe('text');
    expect(columnKindOf(undefined)).toBe('text');
  });
});

describe('encodeCell', () => {
  it('keeps every string text with a leading apostrophe, so nothing is parsed', () => {
    for (const text of ['=SUM(A1:A9)', '+1 555', '00123', 'TRUE', '2024-01-05', "'x", '@mention', '-2']) {
      expect(encodeCell(text, 'text', 'UTC')).toEqual(ok(`'${text}`));
    }
  });

  it('numbers, exact decimals and booleans travel as JSON values; inexact decimals as text', () => {
    expect(encodeCell(12.5, 'number', 'UTC')).toEqual(ok(12.5));
    expect(encodeCell('12.50', 'number', 'UTC')).toEqual(ok(12.5));
    expect(encodeCell('-0.001', 'number', 'UTC')).toEqual(ok(-0.001));
    expect(encodeCell('123456789012345', 'number', 'UTC')).toEqual(ok(123456789012345));
    expect(encodeCell('1234567890123456', 'number', 'UTC')).toEqual(ok("'1234567890123456"));
    expect(encodeCell('NaN', 'number', 'UTC')).toEqual(ok("'NaN"));
    expect(encodeCell(true, 'boolean', 'UTC')).toEqual(ok(true));
  });

  it('dates are sent for Sheets to parse; instants in the spreadsheet time zone; local timestamps as they are', () => {
    expect(encodeCell('2024-02-29', 'date', 'UTC')).toEqual(ok('2024-02-29'));
    expect(encodeCell('2024-02-29T23:30:00Z', 'date-time', 'Europe/Paris')).toEqual(ok('2024-03-01 00:30:00'));
    expect(encodeCell('2024-02-29T23:30:00.123456+02:00', 'date-time', 'UTC')).toEqual(ok('2024-02-29 21:30:00'));
    expect(encodeCell('2024-02-29T23:30:00', 'date-time', 'Asia/Tokyo')).toEqual(ok('2024-02-29 23:30:00'));
    expect(encodeCell('not a date', 'date', 'UTC')).toEqual(ok("'not a date"));
    expect(encodeCell('2024-02-29', 'date', 'UTC', true)).toEqual(ok("'2024-02-29"));
  });

  it('null clears the cell; objects are JSON text; over 50,000 characters is refused', () => {
    expect(encodeCell(null, 'text', 'UTC')).toEqual(ok(''));
    expect(encodeCell({ a: [1] }, 'text', 'UTC')).toEqual(ok(`'{"a":[1]}`));
    expect(encodeCell('x'.repeat(49_999), 'text', 'UTC').ok).toBe(true);
    expect(encodeCell('x'.repeat(50_000), 'text', 'UTC')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('50,000 characters'),
    });
  });
});

describe('key text', () => {
  it('what is sent and what reads back give the same key', () => {
    expect(sentKeyText("'00123")).toBe(readKeyText('00123'));
    expect(sentKeyText(42)).toBe(readKeyText(42));
    expect(sentKeyText(12.5)).toBe(readKeyText(12.5));
    expect(sentKeyText("''quoted")).toBe(readKeyText("'quoted"));
  });
});
