// Converters from Postgres' text output (with the session settings applied in
// connection.ts: DateStyle ISO, TimeZone UTC, IntervalStyle iso_8601, bytea_output hex)
// to the representation protocol/docs/types.md prescribes.

/** `float4`/`float8`: a number; NaN and ±Infinity have no JSON form and travel as null (types.md). */
export function floatValue(text: string): number | null {
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** `bool`: Postgres prints `t` / `f`. */
export function booleanValue(text: string): boolean {
  return text === 't';
}

/** `bytea` in hex output (`\x0a1b`) as base64. */
export function byteaValue(text: string): string {
  return Buffer.from(text.slice(2), 'hex').toString('base64');
}

/** `json`/`jsonb`: the parsed value. */
export function jsonValue(text: string): unknown {
  return JSON.parse(text);
}

/**
 * Years before Christ are printed with a ` BC` suffix; ISO-8601 numbers them astronomically
 * (1 BC is year 0, 2 BC is -0001). Years past 9999 take a `+` sign in ISO-8601's expanded form.
 */
function isoYear(datePart: string, bc: boolean): string {
  const dash = datePart.indexOf('-');
  const year = Number(datePart.slice(0, dash));
  const rest = datePart.slice(dash);
  if (bc) return `${year === 1 ? '' : '-'}${String(year - 1).padStart(4, '0')}${rest}`;
  if (year > 9999) return `+${datePart}`;
  return datePart;
}

/** `date`: `2024-01-31`; `infinity`/`-infinity` travel as Postgres prints them. */
export function dateValue(text: string): string {
  if (text.endsWith(' BC')) return isoYear(text.slice(0, -3), true);
  return text.length === 10 ? text : isoYear(text, false);
}

/** `timestamp`: `2024-01-31T12:34:56.789123`, no offset. */
export function timestampValue(text: string): string {
  const bc = text.endsWith(' BC');
  const body = bc ? text.slice(0, -3) : text;
  const space = body.indexOf(' ');
  if (space < 0) return text; // infinity, -infinity
  return `${isoYear(body.slice(0, space), bc)}T${body.slice(space + 1)}`;
}

/** `timestamptz` printed in UTC (`…56.789123+00`): `2024-01-31T12:34:56.789123Z`. */
export function timestampTzValue(text: string): string {
  const local = timestampValue(text);
  return local.endsWith('+00') ? `${local.slice(0, -3)}Z` : local;
}

/** `timetz`: Postgres prints `+02` for whole hours; ISO-8601 wants `+02:00`. */
export function timeTzValue(text: string): string {
  return /[+-]\d\d$/.test(text) ? `${text}:00` : text;
}
