import { readKeyText } from './cell-value.js';

/**
 * Where Backflow's rows are in a sheet, found from its columns, read once per run.
 * Backflow's block starts under the header (row 2) and ends at the first row with nothing in
 * Backflow's columns — the end of the table values.append finds, so new rows land right
 * where this index expects them. A person's rows below an empty row are never indexed, so
 * never updated or deleted; a row inside the block without a key (typed by a person) is kept
 * in place but never addressed. Kept in step with every delete and append this run makes.
 */
export class RowIndex {
  /** Key text of sheet row `i + 2`; '' for a row in the block that holds no key. */
  private keys: string[];
  private byKey = new Map<string, number>();
  private stale = true;
  /** Keys found on more than one row: only the first is written. */
  readonly duplicates: string[] = [];

  /** `rows`: Backflow's columns of sheet rows 2, 3, … as values.batchGet returns them; `keyColumns`: positions of the key. */
  constructor(rows: readonly unknown[][], keyColumns: readonly number[]) {
    const keys: string[] = [];
    for (const row of rows) {
      if (row.every((cell) => readKeyText(cell) === '')) break;
      const cells = keyColumns.map((c) => readKeyText(row[c]));
      keys.push(cells.every((cell) => cell === '') ? '' : keyOf(cells));
    }
    this.keys = keys;
    this.rebuild(this.duplicates);
  }

  /** The sheet row number (1-based) of a key, or undefined. */
  rowOf(key: string): number | undefined {
    if (this.stale) this.rebuild();
    const index = this.byKey.get(key);
    return index === undefined ? undefined : index + 2;
  }

  /** The last row of Backflow's block (1 when it holds only the header). */
  lastRow(): number {
    return this.keys.length + 1;
  }

  /** Rows were deleted: each sheet row number given, in any order. */
  deleted(rows: readonly number[]): void {
    for (const row of [...rows].sort((a, b) => b - a)) this.keys.splice(row - 2, 1);
    this.stale = true;
  }

  /** Rows were inserted starting at sheet row `at` (rows between the block's end and `at` hold no key). */
  appended(at: number, keys: readonly string[]): void {
    while (this.keys.length + 2 < at) this.keys.push('');
    this.keys.splice(at - 2, 0, ...keys);
    this.stale = true;
  }

  private rebuild(duplicates?: string[]): void {
    this.byKey = new Map();
    this.keys.forEach((key, index) => {
      if (key === '') return;
      if (this.byKey.has(key)) duplicates?.push(key);
      else this.byKey.set(key, index);
    });
    this.stale = false;
  }
}

/** One string for a row's key cells, composite keys included. */
export function keyOf(cells: readonly string[]): string {
  return cells.length === 1 ? cells[0]! : JSON.stringify(cells);
}
