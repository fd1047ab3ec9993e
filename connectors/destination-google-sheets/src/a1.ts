/** 0 → `A`, 26 → `AA`. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** A sheet title quoted for A1 notation: `'Q1 ''24'`. Quoting always is valid and never ambiguous. */
export function quoteTitle(title: string): string {
  return `'${title.replace(/'/g, "''")}'`;
}

/** `'Sheet'!A2:D5`: columns [0, width) of sheet rows `first`..`last` (1-based). */
export function rowsRange(title: string, width: number, first: number, last: number): string {
  return `${quoteTitle(title)}!A${first}:${columnLetters(width - 1)}${last}`;
}

/** The first row number of an A1 range such as `'Sheet'!A12:D14`; undefined when it has none. */
export function firstRowOf(range: string): number | undefined {
  const match = /!\$?[A-Z]*\$?(\d+)/.exec(range);
  return match ? Number(match[1]) : undefined;
}
