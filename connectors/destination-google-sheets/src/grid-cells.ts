import type { SheetInfo } from './sheets-api.js';

/** Sheets' limit on the cells of all sheets of one spreadsheet. */
export const MAX_SPREADSHEET_CELLS = 10_000_000;

/**
 * The grid size of every sheet of the spreadsheet, kept in step with this run's inserts and
 * deletes, so rows that would push the spreadsheet past 10 million cells are refused before
 * any request (Sheets would refuse the whole append).
 */
export class GridCells {
  private readonly sheets = new Map<string, { rowCount: number; columnCount: number }>();

  constructor(sheets: readonly SheetInfo[]) {
    for (const sheet of sheets)
      this.sheets.set(sheet.title, { rowCount: sheet.rowCount, columnCount: sheet.columnCount });
  }

  set(title: string, rowCount: number, columnCount: number): void {
    this.sheets.set(title, { rowCount, columnCount });
  }

  total(): number {
    let cells = 0;
    for (const sheet of this.sheets.values()) cells += sheet.rowCount * sheet.columnCount;
    return cells;
  }

  columnCount(title: string): number {
    return this.sheets.get(title)?.columnCount ?? 0;
  }

  /** How many rows may still be added to a sheet. */
  rowsLeft(title: string): number {
    const columns = this.sheets.get(title)?.columnCount ?? 1;
    return Math.max(0, Math.floor((MAX_SPREADSHEET_CELLS - this.total()) / columns));
  }

  addRows(title: string, count: number): void {
    const sheet = this.sheets.get(title);
    if (sheet) sheet.rowCount += count;
  }
}
