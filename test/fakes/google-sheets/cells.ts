import { invalidArgument } from './errors.js';

/** Sheets' hard limit on one cell's content. */
export const MAX_CELL_CHARACTERS = 50_000;

/**
 * What a cell holds, after Sheets' `CellData.userEnteredValue` plus the number format a parsed
 * date gets. A date is a number (days since 1899-12-30) with a DATE or DATE_TIME format.
 */
export type Cell =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number; format?: 'DATE' | 'DATE_TIME' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'formula'; formula: string };

export type ValueInputOption = 'RAW' | 'USER_ENTERED';
export type ValueRenderOption = 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE' | 'FORMULA';
export type DateTimeRenderOption = 'SERIAL_NUMBER' | 'FORMATTED_STRING';

const DAY_MS = 86_400_000;
const EPOCH_MS = Date.UTC(1899, 11, 30);

function serialOf(year: number, month: number, day: number, seconds = 0): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return (ms - EPOCH_MS) / DAY_MS + seconds / 86_400;
}

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const NUMBER = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Parses a string as the Sheets UI does when a person types it (USER_ENTERED, en_US locale):
 * a leading `'` forces text, `=` starts a formula, TRUE/FALSE are booleans, numbers (with
 * thousands separators, a percent sign or a `$`) become numbers — `00123` becomes 123 — and
 * ISO or US dates become dates.
 */
export function parseUserEntered(text: string): Cell {
  if (text.startsWith("'")) return { kind: 'string', value: text.slice(1) };
  if (text.startsWith('=') && text.length > 1) return { kind: 'formula', formula: text };
  const trimmed = text.trim();
  if (/^(true|false)$/i.test(trimmed)) return { kind: 'bool', value: trimmed.toLowerCase() === 'true' };
  const unsigned = trimmed.replace(/^\$/, '').replace(/%$/, '');
  if (unsigned !== '' && /\d/.test(unsigned) && NUMBER.test(unsigned)) {
    const value = Number(unsigned.replace(/,/g, ''));
    return { kind: 'number', value: trimmed.endsWith('%') ? value / 100 : value };
  }
  const iso = ISO_DATE.exec(trimmed);
  if (iso) {
    const [, y, m, d, hh, mm, ss] = iso;
    const seconds = hh === undefined ? 0 : Number(hh) * 3600 + Number(mm) * 60 + Number(ss ?? 0);
    const serial = serialOf(Number(y), Number(m), Number(d), seconds);
    if (serial !== undefined) return { kind: 'number', value: serial, format: hh === undefined ? 'DATE' : 'DATE_TIME' };
  }
  const us = US_DATE.exec(trimmed);
  if (us) {
    const serial = serialOf(Number(us[3]), Number(us[1]), Number(us[2]));
    if (serial !== undefined) return { kind: 'number', value: serial, format: 'DATE' };
  }
  return { kind: 'string', value: text };
}

/**
 * One input value of a ValueRange as Sheets stores it: null skips the cell (undefined here),
 * `""` clears it, JSON numbers and booleans stay what they are, strings are parsed only under
 * USER_ENTERED. `where` names the value in the error, as Google does.
 */
export function inputCell(value: unknown, option: ValueInputOption, where: string): Cell | null | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (typeof value !== 'string') {
    throw invalidArgument(`Invalid ${where}: Invalid value, must be a bool, string or double`);
  }
  if (value.length > MAX_CELL_CHARACTERS) {
    throw invalidArgument(
      `Invalid ${where}: Your input contains more than the maximum of ${MAX_CELL_CHARACTERS} characters in a single cell.`,
    );
  }
  if (value === '') return null;
  return option === 'RAW' ? { kind: 'string', value } : parseUserEntered(value);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function formatDate(serial: number, withTime: boolean): string {
  const date = new Date(EPOCH_MS + Math.round(serial * DAY_MS));
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  if (!withTime) return day;
  return `${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/**
 * A cell as values.get renders it. The fake does not compute formulas: they read back as
 * their text under every option (FORMULA is the option that shows them in Sheets too).
 */
export function renderCell(cell: Cell, render: ValueRenderOption, dateTime: DateTimeRenderOption): unknown {
  switch (cell.kind) {
    case 'string':
      return cell.value;
    case 'formula':
      return cell.formula;
    case 'bool':
      return render === 'FORMATTED_VALUE' ? (cell.value ? 'TRUE' : 'FALSE') : cell.value;
    case 'number':
      if (cell.format && (render === 'FORMATTED_VALUE' || dateTime === 'FORMATTED_STRING')) {
        return formatDate(cell.value, cell.format === 'DATE_TIME');
      }
      return render === 'FORMATTED_VALUE' ? String(cell.value) : cell.value;
  }
}

/** The cell as `CellData.userEnteredValue` (ExtendedValue) of spreadsheets.get with grid data. */
export function userEnteredValue(cell: Cell): Record<string, unknown> {
  switch (cell.kind) {
    case 'string':
      return { stringValue: cell.value };
    case 'formula':
      return { formulaValue: cell.formula };
    case 'bool':
      return { boolValue: cell.value };
    case 'number':
      return { numberValue: cell.value };
  }
}
