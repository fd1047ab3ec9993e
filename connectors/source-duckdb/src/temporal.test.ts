import { describe, expect, it } from 'vitest';
import { formatDate, formatInterval, formatOffset, formatTimeOfDay, formatTimestamp } from './temporal.js';

describe('temporal formatting', () => {
  it('formats dates across the epoch, leap days and the four-digit year range', () => {
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(-1)).toBe('1969-12-31');
    expect(formatDate(19_782)).toBe('2024-02-29');
    expect(formatDate(-719_162)).toBe('0001-01-01');
    expect(formatDate(2_932_896)).toBe('9999-12-31');
    expect(formatDate(-719_163)).toBeUndefined();
    expect(formatDate(2_147_483_647)).toBe('infinity');
    expect(formatDate(-2_147_483_647)).toBe('-infinity');
  });

  it('keeps full fractional precision and drops trailing zeros', () => {
    expect(formatTimestamp(1_706_704_496_789_123n, 1_000_000n)).toBe('2024-01-31T12:34:56.789123');
    expect(formatTimestamp(1_706_704_496_780_000n, 1_000_000n)).toBe('2024-01-31T12:34:56.78');
    expect(formatTimestamp(1_706_704_496_000_000n, 1_000_000n)).toBe('2024-01-31T12:34:56');
    expect(formatTimestamp(1_706_704_496_000_000_001n, 1_000_000_000n)).toBe('2024-01-31T12:34:56.000000001');
    expect(formatTimestamp(-1n, 1_000_000n)).toBe('1969-12-31T23:59:59.999999');
    expect(formatTimestamp(1_706_704_496n, 1n)).toBe('2024-01-31T12:34:56');
    expect(formatTimestamp(9_223_372_036_854_775_807n, 1_000_000n)).toBe('infinity');
  });

  it('formats times of day and offsets', () => {
    expect(formatTimeOfDay(0n, 1_000_000n)).toBe('00:00:00');
    expect(formatTimeOfDay(45_296_789_000n, 1_000_000n)).toBe('12:34:56.789');
    expect(formatTimeOfDay(86_400_000_000n, 1_000_000n)).toBe('24:00:00');
    expect(formatOffset(7200)).toBe('+02:00');
    expect(formatOffset(-34_200)).toBe('-09:30');
    expect(formatOffset(0)).toBe('+00:00');
  });

  it('formats intervals as ISO-8601 durations with a sign per component', () => {
    expect(formatInterval(14, 3, 14_706_500_000n)).toBe('P1Y2M3DT4H5M6.5S');
    expect(formatInterval(0, 0, 0n)).toBe('PT0S');
    expect(formatInterval(0, -1, -7_200_000_000n)).toBe('P-1DT-2H');
    expect(formatInterval(-13, 0, 0n)).toBe('P-1Y-1M');
    expect(formatInterval(0, 0, 1n)).toBe('PT0.000001S');
  });
});
