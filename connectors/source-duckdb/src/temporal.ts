// Formats DuckDB's temporal values (epoch counts) as the ISO-8601 strings of
// protocol/docs/types.md, with exact integer arithmetic so no precision is lost.

const MICROS_PER_DAY = 86_400_000_000n;
const NANOS_PER_DAY = 86_400_000_000_000n;

/** DuckDB's `infinity` / `-infinity` markers for DATE (days) and TIMESTAMP (any unit). */
const DATE_INFINITY = 2_147_483_647;
const TIMESTAMP_INFINITY = 9_223_372_036_854_775_807n;

/** Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian, Howard Hinnant's algorithm). */
function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const pad = (n: number | bigint, width = 2) => String(n).padStart(width, '0');

/** `.123`, `.123456`, `.123456789`: the fraction with trailing zeros dropped, or nothing when zero. */
function fraction(units: bigint, digits: number): string {
  if (units === 0n) return '';
  return '.' + pad(units, digits).replace(/0+$/, '');
}

/** `YYYY-MM-DD`, or undefined when the year has no four-digit ISO form (BC or after 9999). */
export function formatDate(days: number): string | undefined {
  if (days === DATE_INFINITY) return 'infinity';
  if (days === -DATE_INFINITY) return '-infinity';
  const [year, month, day] = civilFromDays(days);
  if (year < 1 || year > 9999) return undefined;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** `HH:MM:SS[.fraction]` of a count of `unitsPerSecond` since midnight. */
export function formatTimeOfDay(units: bigint, unitsPerSecond: bigint): string {
  const digits = String(unitsPerSecond).length - 1;
  const seconds = units / unitsPerSecond;
  const rest = units % unitsPerSecond;
  return `${pad(seconds / 3600n)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}${fraction(rest, digits)}`;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]` of a count of `unitsPerSecond` since the epoch (UTC);
 * undefined when the date is outside years 1..9999. Infinity stays `infinity`.
 */
export function formatTimestamp(units: bigint, unitsPerSecond: bigint): string | undefined {
  if (units === TIMESTAMP_INFINITY) return 'infinity';
  if (units === -TIMESTAMP_INFINITY) return '-infinity';
  const perDay =
    unitsPerSecond === 1_000_000n
      ? MICROS_PER_DAY
      : unitsPerSecond === 1_000_000_000n
        ? NANOS_PER_DAY
        : unitsPerSecond * 86_400n;
  let days = units / perDay;
  let rest = units % perDay;
  if (rest < 0n) {
    days -= 1n;
    rest += perDay;
  }
  const date = formatDate(Number(days));
  if (date === undefined) return undefined;
  return `${date}T${formatTimeOfDay(rest, unitsPerSecond)}`;
}

/** `+HH:MM` / `-HH:MM` of an offset in seconds east of UTC. */
export function formatOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const seconds = abs % 60;
  return `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}${seconds ? `:${pad(seconds)}` : ''}`;
}

/**
 * An ISO-8601 duration with a sign on each component, the way PostgreSQL's `iso_8601`
 * interval style writes mixed signs: `P1Y2M3DT4H5M6.5S`, `P-1DT-2H`, `PT0S`.
 */
export function formatInterval(months: number, days: number, micros: bigint): string {
  const years = Math.trunc(months / 12);
  const restMonths = months % 12;
  let date = '';
  if (years) date += `${years}Y`;
  if (restMonths) date += `${restMonths}M`;
  if (days) date += `${days}D`;
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const sign = negative ? '-' : '';
  const hours = abs / 3_600_000_000n;
  const minutes = (abs / 60_000_000n) % 60n;
  const seconds = (abs / 1_000_000n) % 60n;
  const fractionMicros = abs % 1_000_000n;
  let time = '';
  if (hours) time += `${sign}${hours}H`;
  if (minutes) time += `${sign}${minutes}M`;
  if (seconds || fractionMicros) time += `${sign}${seconds}${fraction(fractionMicros, 6)}S`;
  if (!date && !time) return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}
