import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors.js';
import { parseDuration } from './duration.js';
import { firstRunAt, parseSchedule } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('parseSchedule', () => {
  it('reads cron in its time zone, across a daylight-saving change', () => {
    const daily = parseSchedule({ cron: '0 9 * * *', timezone: 'Europe/Paris' }, 'c.yaml');
    expect(iso(daily.next(at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T07:00:00.000Z'); // CEST starts that night
    expect(iso(daily.next(at('2026-03-27T12:00:00Z')))).toBe('2026-03-28T08:00:00.000Z');
    expect(daily.text).toBe('cron 0 9 * * * (Europe/Paris)');
  });

  it('defaults cron to UTC and steps strictly after the given time', () => {
    const hourly = parseSchedule({ cron: '0 * * * *' }, 'c.yaml');
    expect(iso(hourly.next(at('2026-01-01T10:00:00Z')))).toBe('2026-01-01T11:00:00.000Z');
  });

  it('adds an interval to the given time', () => {
    const every = parseSchedule({ every: '15m' }, 'c.yaml');
    expect(every.next(at('2026-01-01T10:00:00Z'))).toBe(at('2026-01-01T10:15:00Z'));
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
  });

  it('names the field of a bad cron expression or time zone', () => {
    expect(() => parseSchedule({ cron: '61 * * * *' }, '/x/c.yaml')).toThrow(ConfigurationError);
    expect(() => parseSchedule({ cron: '61 * * * *' }, '/x/c.yaml')).toThrow(
      /\/x\/c\.yaml: \/schedule\/cron "61 \* \* \* \*"/,
    );
    expect(() => parseSchedule({ cron: '0 * * * *', timezone: 'Mars/Olympus' }, '/x/c.yaml')).toThrow(
      /\/schedule\/timezone "Mars\/Olympus" is not valid/,
    );
  });
});

describe('firstRunAt', () => {
  const hourly = parseSchedule({ cron: '0 * * * *' }, 'c.yaml');
  const now = at('2026-01-01T15:20:00Z');

  it('catches up once, now, after downtime that missed slots', () => {
    expect(firstRunAt(hourly, at('2026-01-01T10:00:00Z'), now)).toBe(now);
  });

  it('waits for the next slot when none was missed', () => {
    expect(iso(firstRunAt(hourly, at('2026-01-01T15:00:00Z'), now))).toBe('2026-01-01T16:00:00.000Z');
  });

  it('starts a never-run cron connection at its first slot, an interval one at once', () => {
    expect(iso(firstRunAt(hourly, undefined, now))).toBe('2026-01-01T16:00:00.000Z');
    expect(firstRunAt(parseSchedule({ every: '1h' }, 'c.yaml'), undefined, now)).toBe(now);
  });
});
