import { invalidArgument } from './errors.js';

/** A parsed A1 range: 0-based, end-exclusive; an undefined bound is open (the grid's edge). */
export interface A1Range {
  sheet: string | undefined;
  startRow: number | undefined;
  endRow: number | undefined;
  startColumn: number | undefined;
  endColumn: number | undefined;
}

/** `A` → 0, `AA` → 26. */
export function columnIndex(letters: string): number {
  let index = 0;
  for (const char of letters.toUpperCase()) index = index * 26 + (char.charCodeAt(0) - 64);
  return index - 1;
}

/** 0 → `A`, 26 → `AA`. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

const CELL = /^([A-Za-z]{0,3})(\d*)$/;

function splitSheet(text: string): { sheet: string | undefined; cells: string | undefined } {
  if (text.startsWith("'")) {
    // 'It''s here'!A1 — a quote inside a quoted name is doubled.
    let i = 1;
    let name = '';
    for (; i < text.length; i++) {
      if (text[i] === "'") {
        if (text[i + 1] === "'") {
          name += "'";
          i++;
          continue;
        }
        break;
      }
      name += text[i];
    }
    const rest = text.slice(i + 1);
    if (rest === '') return { sheet: name, cells: undefined };
    if (!rest.startsWith('!')) throw invalidArgument(`Unable to parse range: ${text}`);
    return { sheet: name, cells: rest.slice(1) };
  }
  const bang = text.lastIndexOf('!');
  if (bang >= 0) return { sheet: text.slice(0, bang), cells: text.slice(bang + 1) };
  // No `!`: a sheet name, unless it reads as cells (then it means the first sheet).
  return CELL.test(text.split(':')[0] ?? '') && /\d|:/.test(text)
    ? { sheet: undefined, cells: text }
    : { sheet: text, cells: undefined };
}

function parseCell(text: string): { column: number | undefined; row: number | undefined } | undefined {
  const match = CELL.exec(text);
  if (!match || text === '') return undefined;
  const [, letters = '', digits = ''] = match;
  if (digits !== '' && Number(digits) < 1) return undefined;
  return { column: letters ? columnIndex(letters) : undefined, row: digits ? Number(digits) - 1 : undefined };
}

/** Parses `'My sheet'!A2:C`, `Sheet1!1:1`, `B2:B`, `Sheet1` as Sheets does. */
export function parseA1(text: string): A1Range {
  const { sheet, cells } = splitSheet(text.trim());
  const range: A1Range = {
    sheet,
    startRow: undefined,
    endRow: undefined,
    startColumn: undefined,
    endColumn: undefined,
  };
  if (cells === undefined || cells === '') return range;
  const parts = cells.split(':');
  const from = parseCell(parts[0] ?? '');
  const to = parts.length === 2 ? parseCell(parts[1] ?? '') : from;
  const single = parts.length === 1;
  if (
    parts.length > 2 ||
    !from ||
    !to ||
    (single && (from.column === undefined || from.row === undefined)) ||
    // `1:C` mixes a row range with a column bound.
    (from.column === undefined && to.column !== undefined)
  ) {
    throw invalidArgument(`Unable to parse range: ${text}`);
  }
  range.startColumn = from.column;
  range.startRow = from.row;
  range.endColumn = to.column === undefined ? undefined : to.column + 1;
  range.endRow = to.row === undefined ? undefined : to.row + 1;
  return range;
}

/** A sheet name as Sheets writes it in a range: quoted unless it is letters, digits and underscores. */
export function quoteSheet(title: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) && !CELL.test(title) ? title : `'${title.replace(/'/g, "''")}'`;
}

/** `'Sheet'!A2:C5` for a bounded range on a sheet. */
export function formatA1(
  title: string,
  startRow: number,
  endRow: number,
  startColumn: number,
  endColumn: number,
): string {
  return `${quoteSheet(title)}!${columnLetters(startColumn)}${startRow + 1}:${columnLetters(endColumn - 1)}${endRow}`;
}
