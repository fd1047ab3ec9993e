import { formatA1, parseA1, quoteSheet } from './a1.js';
import {
  inputCell,
  renderCell,
  type Cell,
  type DateTimeRenderOption,
  type ValueInputOption,
  type ValueRenderOption,
} from './cells.js';
import { invalidArgument, SheetsApiError } from './errors.js';

/** Sheets' limit on the cells of all sheets of one spreadsheet. */
export const MAX_SPREADSHEET_CELLS = 10_000_000;

export interface GridProperties {
  rowCount: number;
  columnCount: number;
  frozenRowCount?: number;
}

export interface SheetProperties {
  sheetId: number;
  title: string;
  index: number;
  sheetType: 'GRID';
  gridProperties: GridProperties;
}

/** One tab: its properties and its cells, row by row (sparse). */
export interface Sheet {
  properties: SheetProperties;
  rows: (Cell | undefined)[][];
}

/** A range resolved against a sheet's grid: 0-based, end-exclusive, every bound known. */
export interface GridRange {
  sheet: Sheet;
  startRow: number;
  endRow: number;
  startColumn: number;
  endColumn: number;
}

/** UpdateValuesResponse. */
export interface UpdateResult {
  spreadsheetId: string;
  updatedRange: string;
  updatedRows: number;
  updatedColumns: number;
  updatedCells: number;
}

/** One spreadsheet: its tabs and their cells, with the limits Sheets enforces. */
export class Spreadsheet {
  sheets: Sheet[] = [];
  private nextSheetId = 0;

  constructor(
    readonly spreadsheetId: string,
    readonly title: string,
    readonly timeZone: string,
    readonly cellLimit: number,
  ) {}

  /** A deep copy, so a spreadsheets.batchUpdate applies all its requests or none. */
  clone(): Spreadsheet {
    const copy = new Spreadsheet(this.spreadsheetId, this.title, this.timeZone, this.cellLimit);
    copy.nextSheetId = this.nextSheetId;
    copy.sheets = this.sheets.map((sheet) => ({
      properties: structuredClone(sheet.properties),
      rows: sheet.rows.map((row) => (row ? [...row] : row)),
    }));
    return copy;
  }

  /** Replaces this spreadsheet's content with a clone's, once all of a batch's requests succeeded. */
  adopt(other: Spreadsheet): void {
    this.sheets = other.sheets;
    this.nextSheetId = other.nextSheetId;
  }

  cellCount(): number {
    return this.sheets.reduce(
      (n, s) => n + s.properties.gridProperties.rowCount * s.properties.gridProperties.columnCount,
      0,
    );
  }

  /** Throws Google's 400 when the grid has grown past the spreadsheet's cell limit. */
  checkCellLimit(where: string): void {
    if (this.cellCount() > this.cellLimit) {
      throw invalidArgument(
        `${where}This action would increase the number of cells in the workbook above the limit of ${this.cellLimit} cells.`,
      );
    }
  }

  addSheet(
    properties: Partial<SheetProperties> & { gridProperties?: Partial<GridProperties> },
    where: string,
  ): SheetProperties {
    const title = properties.title ?? `Sheet${this.sheets.length + 1}`;
    if (this.sheets.some((sheet) => sheet.properties.title.toLowerCase() === title.toLowerCase())) {
      throw invalidArgument(`${where}A sheet with the name "${title}" already exists. Please enter another name.`);
    }
    const sheetId = properties.sheetId ?? (this.nextSheetId === 0 ? 0 : 100_000_000 + this.nextSheetId * 7919);
    if (this.sheets.some((sheet) => sheet.properties.sheetId === sheetId)) {
      throw invalidArgument(`${where}Sheet with id ${sheetId} already exists.`);
    }
    this.nextSheetId++;
    const grid: Partial<GridProperties> = properties.gridProperties ?? {};
    const created: SheetProperties = {
      sheetId,
      title,
      index: properties.index ?? this.sheets.length,
      sheetType: 'GRID',
      gridProperties: {
        rowCount: grid.rowCount ?? 1000,
        columnCount: grid.columnCount ?? 26,
        ...(grid.frozenRowCount ? { frozenRowCount: grid.frozenRowCount } : {}),
      },
    };
    this.sheets.splice(created.index, 0, { properties: created, rows: [] });
    this.sheets.forEach((sheet, index) => (sheet.properties.index = index));
    return structuredClone(created);
  }

  sheetById(sheetId: unknown, where: string): Sheet {
    const sheet = this.sheets.find((candidate) => candidate.properties.sheetId === sheetId);
    if (!sheet) throw invalidArgument(`${where}No grid with id: ${String(sheetId)}`);
    return sheet;
  }

  /** Resolves an A1 range to grid bounds; a range reaching past the grid is Google's 400. */
  resolve(a1: string): GridRange {
    const parsed = parseA1(a1);
    const sheet =
      parsed.sheet === undefined
        ? this.sheets[0]
        : this.sheets.find((candidate) => candidate.properties.title === parsed.sheet);
    if (!sheet) throw invalidArgument(`Unable to parse range: ${a1}`);
    const { rowCount, columnCount } = sheet.properties.gridProperties;
    const range: GridRange = {
      sheet,
      startRow: parsed.startRow ?? 0,
      endRow: parsed.endRow ?? rowCount,
      startColumn: parsed.startColumn ?? 0,
      endColumn: parsed.endColumn ?? columnCount,
    };
    if (range.endRow > rowCount || range.endColumn > columnCount) {
      throw invalidArgument(
        `Range (${quoteSheet(sheet.properties.title)}!${a1.split('!').pop()}) exceeds grid limits. Max rows: ${rowCount}, max columns: ${columnCount}`,
      );
    }
    return range;
  }

  /** values.get: the range's values, trailing empty rows and cells left out as Sheets does. */
  read(
    a1: string,
    render: ValueRenderOption,
    dateTime: DateTimeRenderOption,
    majorDimension = 'ROWS',
  ): Record<string, unknown> {
    const range = this.resolve(a1);
    const rows: unknown[][] = [];
    for (let r = range.startRow; r < range.endRow; r++) {
      const row: unknown[] = [];
      for (let c = range.startColumn; c < range.endColumn; c++) {
        const cell = range.sheet.rows[r]?.[c];
        row.push(cell === undefined ? '' : renderCell(cell, render, dateTime));
      }
      while (row.length > 0 && row[row.length - 1] === '') row.pop();
      rows.push(row);
    }
    while (rows.length > 0 && rows[rows.length - 1]!.length === 0) rows.pop();
    const values = majorDimension === 'COLUMNS' ? transpose(rows) : rows;
    return {
      range: formatA1(range.sheet.properties.title, range.startRow, range.endRow, range.startColumn, range.endColumn),
      majorDimension,
      ...(values.length > 0 ? { values } : {}),
    };
  }

  /** Writes a ValueRange's rows from its range's top-left cell; they must fit in the range. */
  write(a1: string, values: unknown[][], option: ValueInputOption, where: string): UpdateResult {
    const range = this.resolve(a1);
    const width = Math.max(0, ...values.map((row) => row.length));
    if (range.startRow + values.length > range.endRow) {
      throw invalidArgument(
        `Requested writing within range [${a1}], but tried writing to row [${range.startRow + values.length}]`,
      );
    }
    if (range.startColumn + width > range.endColumn) {
      throw invalidArgument(
        `Requested writing within range [${a1}], but tried writing to column [${range.startColumn + width}]`,
      );
    }
    values.forEach((row, i) => {
      row.forEach((value, j) => {
        const cell = inputCell(value, option, `${where}values[${i}][${j}]`);
        if (cell === undefined) return;
        const r = range.startRow + i;
        const target = (range.sheet.rows[r] ??= []);
        target[range.startColumn + j] = cell ?? undefined;
      });
    });
    return {
      spreadsheetId: this.spreadsheetId,
      updatedRange: formatA1(
        range.sheet.properties.title,
        range.startRow,
        range.startRow + Math.max(values.length, 1),
        range.startColumn,
        range.startColumn + Math.max(width, 1),
      ),
      updatedRows: values.filter((row) => row.length > 0).length,
      updatedColumns: width,
      updatedCells: values.reduce((n, row) => n + row.length, 0),
    };
  }

  /**
   * values.append: finds the table in the range — from the first row holding data in the
   * range's columns, down to the last row before one with no data there — and writes after it,
   * inserting whole rows (INSERT_ROWS) or overwriting (OVERWRITE, growing the grid at its end).
   */
  append(a1: string, values: unknown[][], option: ValueInputOption, insert: boolean): Record<string, unknown> {
    const range = this.resolve(a1);
    const { sheet } = range;
    const hasData = (r: number): boolean => {
      const row = sheet.rows[r];
      if (!row) return false;
      for (let c = range.startColumn; c < range.endColumn; c++) if (row[c] !== undefined) return true;
      return false;
    };
    let first = range.startRow;
    while (first < range.endRow && !hasData(first)) first++;
    let end = first;
    while (end < range.endRow && hasData(end)) end++;
    const found = first < range.endRow;
    const at = found ? end : range.startRow;
    const grid = sheet.properties.gridProperties;
    if (insert) {
      sheet.rows.splice(at, 0, ...Array.from({ length: values.length }, () => []));
      grid.rowCount += values.length;
    } else if (at + values.length > grid.rowCount) {
      grid.rowCount = at + values.length;
    }
    this.checkCellLimit('');
    const width = Math.max(1, ...values.map((row) => row.length));
    const target = formatA1(
      sheet.properties.title,
      at,
      at + values.length,
      range.startColumn,
      range.startColumn + width,
    );
    const updates = this.write(target, values, option, '');
    return {
      spreadsheetId: this.spreadsheetId,
      ...(found
        ? { tableRange: formatA1(sheet.properties.title, first, end, range.startColumn, range.endColumn) }
        : {}),
      updates,
    };
  }

  insertDimension(sheet: Sheet, dimension: string, start: number, end: number, where: string): void {
    const grid = sheet.properties.gridProperties;
    if (dimension === 'ROWS') {
      if (start < 0 || start > grid.rowCount || end <= start) throw invalidArgument(`${where}Invalid dimension range.`);
      sheet.rows.splice(start, 0, ...Array.from({ length: end - start }, () => []));
      grid.rowCount += end - start;
    } else {
      if (start < 0 || start > grid.columnCount || end <= start)
        throw invalidArgument(`${where}Invalid dimension range.`);
      for (const row of sheet.rows) row?.splice(start, 0, ...Array.from<undefined>({ length: end - start }));
      grid.columnCount += end - start;
    }
  }

  deleteDimension(sheet: Sheet, dimension: string, start: number, end: number, where: string): void {
    const grid = sheet.properties.gridProperties;
    const count = dimension === 'ROWS' ? grid.rowCount : grid.columnCount;
    if (start < 0 || end > count || end <= start) throw invalidArgument(`${where}Invalid dimension range.`);
    if (end - start === count) {
      throw invalidArgument(
        `${where}You can't delete all the ${dimension === 'ROWS' ? 'rows' : 'columns'} on the sheet.`,
      );
    }
    if (dimension === 'ROWS') {
      sheet.rows.splice(start, end - start);
      grid.rowCount -= end - start;
    } else {
      for (const row of sheet.rows) row?.splice(start, end - start);
      grid.columnCount -= end - start;
    }
  }
}

function transpose(rows: unknown[][]): unknown[][] {
  const width = Math.max(0, ...rows.map((row) => row.length));
  return Array.from({ length: width }, (_, c) => rows.map((row) => row[c] ?? ''));
}

/** Google's 404 for a spreadsheet id nobody created. */
export function spreadsheetNotFound(): SheetsApiError {
  return new SheetsApiError(404, 'Requested entity was not found.');
}
