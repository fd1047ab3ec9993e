/** Sheets' limit on one cell's content. */
export const MAX_CELL_CHARACTERS = 50_000;

/** How a column's values are written, from its JSON Schema. */
export type ColumnKind = 'number' | 'boolean' | 'date' | 'date-time' | 'text';

/** A value encoded for USER_ENTERED, or why it cannot be written. */
export type Encoded = { ok: true; cell: string | number | boolean } | { ok: false; reason: string };

interface FieldSchema {
  type?: string | string[];
  format?: string;
  airbyte_type?: string;
}

/** The column kind of a stream field (Backflow's JSON representation, protocol/docs/types.md). */
export function columnKindOf(schema: unknown): ColumnKind {
  const field = (schema ?? {}) as FieldSchema;
  const types = (Array.isArray(field.type) ? field.type : [field.type]).filter((type) => type !== 'null');
  if (types.length !== 1) return 'text';
  const [type] = types;
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'string' && (field.airbyte_type === 'integer' || field.airbyte_type === 'number')) return 'number';
  if (type === 'string' && field.format === 'date') return 'date';
  if (type === 'string' && field.format === 'date-time') return 'date-time';
  return 'text';
}

// A leading apostrophe makes USER_ENTERED keep the rest as text, exactly: `=1+1` stays a
// string, `00123` keeps its zeros, `TRUE` stays a word. Sheets stores the text without it.
function text(value: string): string {
  return `'${value}`;
}

// Sheets keeps numbers as doubles, which hold 15 significant digits exactly: a longer decimal
// (a bigint, a NUMERIC(38,9)) is written as text so no digit is lost.
function exactDouble(decimal: string): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(decimal)) return undefined;
  const digits = decimal.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  return digits.replace(/0+$/, '').length <= 15 ? Number(decimal) : undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** `2024-01-31 12:34:56` in the spreadsheet's time zone, for an instant. */
function wallTime(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * Encodes one value for a USER_ENTERED write so that Sheets stores what the warehouse meant:
 * numbers as numbers, booleans as booleans, dates and timestamps as dates (a timestamp with an
 * offset shown in the spreadsheet's time zone, since cells have none), and every other string
 * as text, never as a formula. `null` clears the cell. `asText` forces text (key columns of
 * dates, which must read back exactly).
 */
export function encodeCell(value: unknown, kind: ColumnKind, timeZone: string, asText = false): Encoded {
  if (value === null || value === undefined) return { ok: true, cell: '' };
  let cell: string | number | boolean;
  if (typeof value === 'number') cell = Number.isFinite(value) ? value : text(String(value));
  else if (typeof value === 'boolean') cell = value;
  else if (typeof value === 'object') cell = text(JSON.stringify(value));
  else {
    const raw = String(value);
    const dateTime = DATE_TIME.exec(raw);
    if (asText) cell = text(raw);
    else if (kind === 'number') cell = exactDouble(raw) ?? text(raw);
    else if (kind === 'date' && DATE.test(raw)) cell = raw;
    else if (kind === 'date-time' && dateTime) {
      const [, day, time, , offset] = dateTime;
      const instant = offset ? new Date(raw) : undefined;
      cell = instant && !Number.isNaN(instant.getTime()) ? wallTime(instant, timeZone) : `${day} ${time}`;
    } else cell = text(raw);
  }
  // Google counts the input, so text written with its apostrophe has one character less.
  if (typeof cell === 'string' && cell.length > MAX_CELL_CHARACTERS) {
    const quoted = cell.startsWith("'");
    const length = cell.length - (quoted ? 1 : 0);
    return {
      ok: false,
      reason: `${length.toLocaleString('en-US')} characters; a Google Sheets cell takes at most ${MAX_CELL_CHARACTERS.toLocaleString('en-US')} characters of input${quoted ? ', and text is sent with a leading apostrophe that keeps it from being parsed (so 49,999 of text)' : ''}`,
    };
  }
  return { ok: true, cell };
}

/** The text a key cell will read back as (values.batchGet, UNFORMATTED_VALUE), from the encoded cell sent. */
export function sentKeyText(cell: string | number | boolean): string {
  return typeof cell === 'string' && cell.startsWith("'") ? cell.slice(1) : String(cell);
}

/** The text of a key cell as read (values.batchGet, UNFORMATTED_VALUE): numbers and booleans in JavaScript's spelling. */
export function readKeyText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}
