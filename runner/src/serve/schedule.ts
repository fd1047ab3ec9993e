import { Cron } from 'croner';
import { ConfigurationError } from '../errors.js';
import type { Schedule as ScheduleSetting } from '../generated/connection.js';
import { parseDuration } from './duration.js';

/** A connection's parsed `schedule:`. */
export interface Schedule {
  /** As written, for pages and messages: `cron 0 6 * * * (Europe/Paris)`, `every 15m`. */
  readonly text: string;
  readonly kind: 'cron' | 'interval';
  /** The first scheduled time strictly after `after`. */
  next(after: number): number;
}

/** Parses and checks a `schedule:` (cron syntax and time zone); errors name the file and field. */
export function parseSchedule(setting: ScheduleSetting, file: string): Schedule {
  if ('every' in setting) {
    const every = parseDuration(setting.every);
    return { text: `every ${setting.every}`, kind: 'interval', next: (after) => after + every };
  }
  const timezone = setting.timezone ?? 'UTC';
  let cron: Cron;
  try {
    cron = new Cron(setting.cron, { timezone, paused: true });
    cron.nextRun();
  } catch (error) {
    const field = /timezone/i.test(String(error)) ? 'timezone' : 'cron';
    throw new ConfigurationError(
      `${file}: /schedule/${field} ${field === 'cron' ? `"${setting.cron}"` : `"${timezone}"`} is not valid: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  return {
    text: `cron ${setting.cron} (${timezone})`,
    kind: 'cron',
    next(after) {
      const next = cron.nextRun(new Date(after));
      if (!next) throw new ConfigurationError(`${file}: /schedule/cron "${setting.cron}" never fires again`);
      return next.getTime();
    },
  };
}

/**
 * When a connection runs first after `serve` starts. A scheduled time missed while nothing
 * served it (the history's last run is older than the next slot) is caught up once, right
 * away — not once per missed slot. A connection never run waits for its first cron slot; an
 * interval one starts at once.
 */
export function firstRunAt(schedule: Schedule, lastRunStartedAt: number | undefined, now: number): number {
  if (lastRunStartedAt !== undefined) return Math.max(schedule.next(lastRunStartedAt), now);
  return schedule.kind === 'interval' ? now : schedule.next(now);
}
